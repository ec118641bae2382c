//! The Rust API's side of the runtime: received frames wait in an inbox for
//! the receive stream, events fan out to subscribers, and futures waiting for
//! a state (opened, closed, room in the outbox) are woken on every change.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;

use futures::channel::mpsc::UnboundedSender;

use super::error::RecvError;
use super::url::UrlSource;
use crate::engine::{Event, Frame};
use crate::web::{borrow_for, Outlet, Output, Runtime};

pub(crate) struct Mailbox {
    pub inbox: RefCell<VecDeque<Result<Frame, RecvError>>>,
    receiver: RefCell<Option<Waker>>,
    watchers: RefCell<Vec<Waker>>,
    subscribers: RefCell<Vec<UnboundedSender<Event>>>,
    url: UrlSource,
    protocols: Vec<String>,
    max_message_size: usize,
}

impl Mailbox {
    pub fn new(url: UrlSource, protocols: Vec<String>, max_message_size: usize) -> Rc<Mailbox> {
        Rc::new(Mailbox {
            inbox: RefCell::new(VecDeque::new()),
            receiver: RefCell::new(None),
            watchers: RefCell::new(Vec::new()),
            subscribers: RefCell::new(Vec::new()),
            url,
            protocols,
            max_message_size,
        })
    }

    pub fn set_receiver(&self, waker: &Waker) {
        if let Some(mut slot) = borrow_for(&self.receiver, "the receiver's waker") {
            match slot.as_ref() {
                Some(w) if w.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        }
    }

    pub fn watch(&self, waker: &Waker) {
        if let Some(mut w) = borrow_for(&self.watchers, "a waiting future's waker") {
            if !w.iter().any(|x| x.will_wake(waker)) {
                w.push(waker.clone());
            }
        }
    }

    pub fn subscribe(&self, tx: UnboundedSender<Event>) {
        if let Some(mut s) = borrow_for(&self.subscribers, "an event subscriber") {
            s.push(tx);
        }
    }

    /// Wakes the receiver and every waiting future (they look at the state again).
    pub fn wake(&self) {
        let receiver = borrow_for(&self.receiver, "waking the receiver").and_then(|mut r| r.take());
        let watchers = borrow_for(&self.watchers, "waking the waiting futures")
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default();
        receiver.into_iter().chain(watchers).for_each(Waker::wake);
    }
}

/// The outlet the runtime owns; the handles share the mailbox.
pub(crate) struct MailboxOutlet(pub Rc<Mailbox>);

impl Outlet for MailboxOutlet {
    fn deliver(&self, runtime: &Rc<Runtime>, outputs: Vec<Output>) {
        let mailbox = &self.0;
        for output in outputs {
            match output {
                Output::Frame(frame) => {
                    if let Some(mut inbox) = borrow_for(&mailbox.inbox, "a received frame") {
                        inbox.push_back(Ok(frame));
                    }
                }
                Output::TooLarge { kind, size } => {
                    if let Some(mut inbox) = borrow_for(&mailbox.inbox, "a received frame") {
                        inbox.push_back(Err(RecvError::TooLarge {
                            kind,
                            size,
                            limit: mailbox.max_message_size,
                        }));
                    }
                }
                Output::Unreadable(what) => {
                    if let Some(mut inbox) = borrow_for(&mailbox.inbox, "a received frame") {
                        inbox.push_back(Err(RecvError::Unsupported(what)));
                    }
                }
                Output::Event(event) => {
                    if let Some(mut subscribers) = borrow_for(&mailbox.subscribers, "an event") {
                        subscribers.retain(|s| s.unbounded_send(event.clone()).is_ok());
                    }
                }
                Output::Resolve { socket, attempt } => {
                    mailbox
                        .url
                        .resolve(runtime, socket, attempt, &mailbox.protocols);
                }
                // Only for outlets that take JS values; the Rust API sends
                // through the runtime.
                Output::Direct(_) => {}
                // Wakes the sends waiting for room, below, like every output.
                Output::Room => {}
                // The Rust API sends frames: it keeps no JS values.
                Output::DroppedKept { .. } => {}
            }
        }
        mailbox.wake();
    }
}
