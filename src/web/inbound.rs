//! Socket events on their way to the engine, in arrival order: a Blob (a
//! runtime that ignored `binaryType`) is read asynchronously, and the events
//! behind it wait until it is read, so that nothing overtakes it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::diagnostics::borrow_for;
use super::global;
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
        if let Some(mut b) = borrow_for(cell, "a frame behind a Blob") {
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
    let seq = match borrow_for(cell, "a Blob") {
        Some(mut b) => {
            b.slots.push_back(None);
            b.front + b.slots.len() as u64 - 1
        }
        None => return,
    };
    let weak = Rc::downgrade(runtime);
    // allSettled always fulfils, so the one-shot callback runs exactly once
    // and frees itself: no future executor, no closure left behind.
    let settled = js_sys::Promise::all_settled(&js_sys::Array::of1(&blob.array_buffer()));
    let done = Closure::once_into_js(move |results: JsValue| {
        let Some(runtime) = weak.upgrade() else {
            return;
        };
        let result = global::get(&results, "0");
        let fulfilled = result
            .as_ref()
            .and_then(|r| global::get(r, "status"))
            .and_then(|s| s.as_string())
            .is_some_and(|s| s == "fulfilled");
        let buffer = result.as_ref().and_then(|r| global::get(r, "value"));
        let ready = match buffer {
            Some(buffer) if fulfilled => Ready::Event(transport::Event::Message(socket, buffer)),
            _ => Ready::Unreadable("a Blob that could not be read".into()),
        };
        runtime.blob_read(seq, ready);
    });
    settled.unchecked_ref::<Thenable>().then(&done);
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A promise, seen from here: `then(onFulfilled)` with any JS function.
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, on_fulfilled: &JsValue);
}

/// Puts a read Blob in its slot; returns the events now ready, in order.
pub(crate) fn fill(cell: &RefCell<Inbound>, seq: u64, ready: Ready) -> Vec<Ready> {
    let Some(mut b) = borrow_for(cell, "a read Blob") else {
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
