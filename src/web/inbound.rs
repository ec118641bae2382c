//! Socket events on their way to the engine, in arrival order: a Blob (a
//! runtime that ignored `binaryType`) is read asynchronously, and the events
//! behind it wait until it is read, so that nothing overtakes it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen_futures::JsFuture;

use super::runtime::Runtime;
use super::transport::{self, Data};
use crate::engine::SocketId;

/// One socket event, ready for the runtime.
pub(crate) enum Ready {
    Event(transport::Event),
    Unreadable(String),
}

#[derive(Default)]
pub(crate) struct Inbound {
    /// The sequence number of the front slot.
    front: u64,
    /// `None` while its Blob is being read.
    slots: VecDeque<Option<Ready>>,
}

impl Inbound {
    fn waiting(cell: &RefCell<Inbound>) -> bool {
        cell.try_borrow()
            .map(|b| !b.slots.is_empty())
            .unwrap_or(false)
    }
}

/// Takes one socket event: applies it now, or queues it behind a Blob.
pub(crate) fn receive(runtime: &Rc<Runtime>, cell: &RefCell<Inbound>, event: transport::Event) {
    let ready = match event {
        transport::Event::Message(socket, data) => match Data::of(data) {
            Data::Blob(blob) => return read_blob(runtime, cell, socket, blob),
            Data::Unsupported(what) => Ready::Unreadable(what),
            Data::Text(v) | Data::Binary(v) => Ready::Event(transport::Event::Message(socket, v)),
        },
        other => Ready::Event(other),
    };
    if Inbound::waiting(cell) {
        if let Ok(mut b) = cell.try_borrow_mut() {
            b.slots.push_back(Some(ready));
        }
    } else {
        runtime.apply(ready);
    }
}

fn read_blob(
    runtime: &Rc<Runtime>,
    cell: &RefCell<Inbound>,
    socket: SocketId,
    blob: web_sys::Blob,
) {
    let seq = match cell.try_borrow_mut() {
        Ok(mut b) => {
            b.slots.push_back(None);
            b.front + b.slots.len() as u64 - 1
        }
        Err(_) => return,
    };
    let weak = Rc::downgrade(runtime);
    wasm_bindgen_futures::spawn_local(async move {
        let read = JsFuture::from(blob.array_buffer()).await;
        let Some(runtime) = weak.upgrade() else {
            return;
        };
        let ready = match read {
            Ok(buffer) => Ready::Event(transport::Event::Message(socket, buffer)),
            Err(_) => Ready::Unreadable("a Blob that could not be read".into()),
        };
        runtime.blob_read(seq, ready);
    });
}

/// Puts a read Blob in its slot; returns the events now ready, in order.
pub(crate) fn fill(cell: &RefCell<Inbound>, seq: u64, ready: Ready) -> Vec<Ready> {
    let Ok(mut b) = cell.try_borrow_mut() else {
        return Vec::new();
    };
    let index = seq.saturating_sub(b.front) as usize;
    if let Some(slot) = b.slots.get_mut(index) {
        *slot = Some(ready);
    }
    let mut out = Vec::new();
    while matches!(b.slots.front(), Some(Some(_))) {
        if let Some(Some(r)) = b.slots.pop_front() {
            out.push(r);
            b.front += 1;
        }
    }
    out
}
