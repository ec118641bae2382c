use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::channel::mpsc;
use futures::Stream;

use super::error::{ClosedError, RecvError, SendError};
use super::mailbox::Mailbox;
use crate::codec::{Decode, Encode, Json};
use crate::engine::{self, CloseError, Event, Frame, MessageId, SendOutcome, State, StateKind};
use crate::web::{Queued, Refused, Runtime};

/// What every handle of one socket shares. When the last handle goes, the
/// socket is closed and every listener and timer is freed.
pub(crate) struct Handle {
    pub runtime: Rc<Runtime>,
    pub mailbox: Rc<Mailbox>,
    pub max_message_size: usize,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}

/// A reconnecting WebSocket carrying typed messages: `Out` sent, `In`
/// received, through the codec `C` (JSON by default).
///
/// It is a [`Stream`] of `Result<In, RecvError>` that ends (`None`) only after
/// a final close; [`reconnect`](Socket::reconnect) revives it. Build one with
/// [`Builder`](super::Builder).
pub struct Socket<In, Out = In, C = Json> {
    sender: Sender<Out, C>,
    receiver: Receiver<In, C>,
}

/// The sending half: cloneable, for tasks that only send.
pub struct Sender<Out, C = Json> {
    handle: Rc<Handle>,
    codec: C,
    _out: PhantomData<fn(Out)>,
}

/// The receiving half: a [`Stream`] of `Result<In, RecvError>`. An error
/// item is a frame that did not decode (the stream goes on), or, as the last
/// item, [`RecvError::Closed`] when the socket closed for good in failure;
/// after a user close or a server's 1000 the stream just ends.
pub struct Receiver<In, C = Json> {
    handle: Rc<Handle>,
    codec: C,
    // The failure that closed the socket was the last item: the stream is over.
    ended: bool,
    _in: PhantomData<fn() -> In>,
}

impl<Out, C: Clone> Clone for Sender<Out, C> {
    fn clone(&self) -> Self {
        Sender {
            handle: self.handle.clone(),
            codec: self.codec.clone(),
            _out: PhantomData,
        }
    }
}

impl<In, Out, C: Clone> Socket<In, Out, C> {
    pub(crate) fn new(handle: Handle, codec: C) -> Self {
        let handle = Rc::new(handle);
        Socket {
            sender: Sender {
                handle: handle.clone(),
                codec: codec.clone(),
                _out: PhantomData,
            },
            receiver: Receiver {
                handle,
                codec,
                ended: false,
                _in: PhantomData,
            },
        }
    }

    /// Splits into a cloneable sender and the receiver.
    pub fn split(self) -> (Sender<Out, C>, Receiver<In, C>) {
        (self.sender, self.receiver)
    }

    /// A sending handle.
    pub fn sender(&self) -> Sender<Out, C> {
        self.sender.clone()
    }
}

impl<In, Out, C> std::ops::Deref for Socket<In, Out, C> {
    type Target = Sender<Out, C>;
    fn deref(&self) -> &Sender<Out, C> {
        &self.sender
    }
}

impl<Out, C> Sender<Out, C> {
    fn runtime(&self) -> &Rc<Runtime> {
        &self.handle.runtime
    }

    /// The state now.
    pub fn state(&self) -> StateKind {
        self.runtime()
            .state()
            .map_or(StateKind::Connecting, |s| s.kind())
    }

    /// Lifecycle events from now on: states, retries, closes, drops, heartbeats.
    pub fn events(&self) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded();
        self.handle.mailbox.subscribe(tx);
        rx
    }

    /// Waits for the socket to be open; fails if it closes for good first.
    pub async fn opened(&self) -> Result<(), ClosedError> {
        futures::future::poll_fn(|cx| match self.runtime().state() {
            Some(State::Open { .. }) => Poll::Ready(Ok(())),
            Some(State::Closed(reason)) => Poll::Ready(Err(ClosedError(reason))),
            _ => {
                self.handle.mailbox.watch(cx.waker());
                Poll::Pending
            }
        })
        .await
    }

    /// Closes for good with `code` (1000 or 3000 to 4999) and `reason` (at most
    /// 123 bytes), and waits until the socket is closed: the server's answer,
    /// or the close timeout. No reconnect follows until
    /// [`reconnect`](Self::reconnect). Wraps
    /// [`WebSocket.close()`](https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/close).
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), CloseError> {
        self.runtime().close(code, reason)?;
        futures::future::poll_fn(|cx| match self.runtime().state() {
            Some(State::Closed(_)) => Poll::Ready(()),
            _ => {
                self.handle.mailbox.watch(cx.waker());
                Poll::Pending
            }
        })
        .await;
        Ok(())
    }

    /// Connects again now, from any state: after a close, after giving up,
    /// while waiting to retry. The retry counter starts over.
    pub fn reconnect(&self) {
        self.runtime().ensure_lifecycle();
        self.runtime().input(engine::Input::Reconnect);
    }

    /// Messages waiting in the outbox, and their bytes.
    pub fn outbox_len(&self) -> (usize, usize) {
        self.runtime()
            .with_engine(|e| e.outbox_len())
            .unwrap_or_default()
    }

    /// Takes the queued messages out of the outbox; they will not be sent.
    pub fn drain_outbox(&self) -> Vec<(MessageId, Frame)> {
        self.runtime()
            .drain_outbox()
            .into_iter()
            .filter_map(|(id, q)| match q {
                Queued::Frame(f) => Some((id, f)),
                Queued::Js(_) => None,
            })
            .collect()
    }

    /// Sends a raw frame now or queues it, without waiting.
    pub fn try_send_frame(&self, frame: Frame) -> Result<SendOutcome, SendError<Frame>> {
        match self.runtime().send(frame, None) {
            Ok(outcome) => Ok(outcome),
            Err(Refused::Busy(p)) => Err(SendError::Busy(frame_of(p))),
            Err(Refused::Engine(e)) => Err(match e {
                engine::SendError::Closed(p) => SendError::Closed(frame_of(p)),
                engine::SendError::OutboxFull(p) => SendError::OutboxFull(frame_of(p)),
                engine::SendError::TooLarge { frame, limit } => SendError::TooLarge {
                    size: frame.len(),
                    message: frame_of(frame),
                    limit,
                },
                // A refusal this API does not know yet: the socket takes no
                // more, which is what Closed tells the caller.
                other => SendError::Closed(frame_of(other.into_payload())),
            }),
        }
    }
}

impl<Out, C: Encode<Out>> Sender<Out, C> {
    /// Sends now, or queues while the link is down, without waiting: a full
    /// outbox is an error.
    pub fn try_send(&self, message: Out) -> Result<SendOutcome, SendError<Out>> {
        let frame = match self.codec.encode(&message) {
            Ok(frame) => frame,
            Err(error) => return Err(SendError::Encode { message, error }),
        };
        self.try_send_frame(frame).map_err(|e| match e {
            SendError::Closed(_) => SendError::Closed(message),
            SendError::OutboxFull(_) => SendError::OutboxFull(message),
            SendError::Busy(_) => SendError::Busy(message),
            SendError::TooLarge { size, limit, .. } => SendError::TooLarge {
                message,
                size,
                limit,
            },
            SendError::Encode { error, .. } => SendError::Encode { message, error },
        })
    }

    /// Sends now, or queues while the link is down. When the outbox is full
    /// (reject policy), waits for room instead of failing. Fails, handing the
    /// message back, only when it can never be sent: closed for good, too
    /// large, or not encodable.
    pub async fn send(&self, message: Out) -> Result<SendOutcome, SendError<Out>> {
        let mut message = message;
        loop {
            match self.try_send(message) {
                Err(SendError::OutboxFull(m)) => {
                    message = m;
                    self.changed().await;
                }
                other => return other,
            }
        }
    }
}

impl<Out, C> Sender<Out, C> {
    /// Resolves at the runtime's next output (an open, a drop, a state change).
    async fn changed(&self) {
        let mut waiting = false;
        futures::future::poll_fn(|cx| {
            if waiting {
                return Poll::Ready(());
            }
            waiting = true;
            self.handle.mailbox.watch(cx.waker());
            Poll::Pending
        })
        .await
    }
}

impl<In, C> Receiver<In, C> {
    fn runtime(&self) -> &Rc<Runtime> {
        &self.handle.runtime
    }
}

impl<In, C: Decode<In> + Unpin> Stream for Receiver<In, C> {
    type Item = Result<In, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let next = crate::web::borrow_for(&this.handle.mailbox.inbox, "the next frame")
            .and_then(|mut i| i.pop_front());
        match next {
            Some(Ok(frame)) => {
                let limit = this.handle.max_message_size;
                if frame.len() > limit {
                    return Poll::Ready(Some(Err(RecvError::too_large(&frame, limit))));
                }
                Poll::Ready(Some(this.codec.decode(frame).map_err(RecvError::Decode)))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => {
                if let Some(State::Closed(reason)) = this.runtime().state() {
                    // A failure is the last item, once; then the end.
                    if reason.is_failure() && !this.ended {
                        this.ended = true;
                        return Poll::Ready(Some(Err(RecvError::Closed(ClosedError(reason)))));
                    }
                    return Poll::Ready(None);
                }
                // Revived by reconnect(): a later failure is reported again.
                this.ended = false;
                this.handle.mailbox.set_receiver(cx.waker());
                Poll::Pending
            }
        }
    }
}

impl<In, Out, C: Decode<In> + Unpin> Stream for Socket<In, Out, C> {
    type Item = Result<In, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().receiver).poll_next(cx)
    }
}

/// The frame the Rust API handed to the engine, back from a refusal. The Rust
/// API sends frames only, never kept payloads: an empty frame stands in for
/// the impossible case rather than a panic.
fn frame_of(payload: engine::Payload) -> Frame {
    payload.frame().unwrap_or(Frame::Binary(Vec::new()))
}
