use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::channel::mpsc;
use futures::stream::FusedStream;
use futures::{Sink, Stream};

use super::error::{AckError, ClosedError, RecvError, SendError};
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

/// The sending half: cloneable, for tasks that only send. It is also a
/// [`Sink`] of `Out` (`send_all` from a stream, `forward`).
pub struct Sender<Out, C = Json> {
    handle: Rc<Handle>,
    codec: C,
    // The Sink's started send that did not fit yet (the outbox was full).
    waiting: Option<Out>,
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
    // The stream returned None (closed for good); reconnect() revives it.
    terminated: bool,
    _in: PhantomData<fn() -> In>,
}

// Nothing in a Sender is pinned (a waiting message is moved, never polled),
// so it is Unpin whatever Out and C are.
impl<Out, C> Unpin for Sender<Out, C> {}
// Nor in a Receiver.
impl<In, C> Unpin for Receiver<In, C> {}

impl<Out, C: Clone> Clone for Sender<Out, C> {
    /// Another handle to the same socket (a started `Sink` send stays with
    /// the original).
    fn clone(&self) -> Self {
        Sender {
            handle: self.handle.clone(),
            codec: self.codec.clone(),
            waiting: None,
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
                waiting: None,
            },
            receiver: Receiver {
                handle,
                codec,
                ended: false,
                terminated: false,
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

/// The socket's own methods are its sending half's (a `Socket` is not a
/// `Sender`: it does not deref to one; [`sender`](Socket::sender) gives one).
impl<In, Out, C> Socket<In, Out, C> {
    /// The state now.
    pub fn state(&self) -> StateKind {
        self.sender.state()
    }

    /// Lifecycle events, beginning with the current state: states, retries,
    /// closes, drops, heartbeats.
    pub fn events(&self) -> mpsc::UnboundedReceiver<Event> {
        self.sender.events()
    }

    /// Waits for the socket to be open; fails if it closes for good first.
    pub async fn opened(&self) -> Result<(), ClosedError> {
        self.sender.opened().await
    }

    /// Closes for good and waits until closed; see [`Sender::close`].
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), CloseError> {
        self.sender.close(code, reason).await
    }

    /// Starts closing for good without waiting; see [`Sender::close_now`].
    pub fn close_now(&self, code: u16, reason: &str) -> Result<(), CloseError> {
        self.sender.close_now(code, reason)
    }

    /// Closes and frees the socket now; see [`Sender::dispose`].
    pub fn dispose(&self) {
        self.sender.dispose()
    }

    /// Connects again now, from any state; see [`Sender::reconnect`].
    pub fn reconnect(&self) {
        self.sender.reconnect()
    }

    /// Messages waiting in the outbox, and their bytes.
    pub fn outbox_len(&self) -> (usize, usize) {
        self.sender.outbox_len()
    }

    /// The resume session's counters; see [`Sender::resume_stats`].
    pub fn resume_stats(&self) -> Option<engine::ResumeStats> {
        self.sender.resume_stats()
    }

    /// Takes the queued messages out of the outbox; they will not be sent.
    pub fn drain_outbox(&self) -> Vec<(MessageId, Frame)> {
        self.sender.drain_outbox()
    }

    /// Sends a raw frame now or queues it, without waiting.
    pub fn try_send_frame(&self, frame: Frame) -> Result<SendOutcome, SendError<Frame>> {
        self.sender.try_send_frame(frame)
    }
}

impl<In, Out, C: Encode<Out>> Socket<In, Out, C> {
    /// Sends and waits for the server's acknowledgement; see
    /// [`Sender::send_acked`].
    pub async fn send_acked(&self, message: Out) -> Result<(), AckError<Out>> {
        self.sender.send_acked(message).await
    }

    /// Sends now or queues, without waiting; see [`Sender::try_send`].
    pub fn try_send(&self, message: Out) -> Result<SendOutcome, SendError<Out>> {
        self.sender.try_send(message)
    }

    /// Sends now or queues, waiting for room; see [`Sender::send`] (and its
    /// cancel safety).
    pub async fn send(&self, message: Out) -> Result<SendOutcome, SendError<Out>> {
        self.sender.send(message).await
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

    /// Lifecycle events, beginning with the current state: states, retries,
    /// closes, drops, heartbeats.
    pub fn events(&self) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded();
        // The receiver is ours and open: this send cannot fail.
        let _ = tx.unbounded_send(Event::State(self.state()));
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

    /// Starts closing for good with `code` and `reason`, without waiting (for
    /// a framework's unmount cleanup, say, where nothing can be awaited): the
    /// receive stream ends once the socket is closed.
    pub fn close_now(&self, code: u16, reason: &str) -> Result<(), CloseError> {
        self.runtime().close(code, reason)
    }

    /// Closes the socket and frees its listeners and timers now, whatever
    /// other handles remain: the receive stream ends, waiting futures settle
    /// (`opened()` fails), and later sends fail with `Closed`. Dropping the
    /// last handle does the same.
    pub fn dispose(&self) {
        self.runtime().shutdown();
        self.handle.mailbox.wake();
    }

    /// Connects again now, from any state: after a close, after giving up,
    /// while waiting to retry. The retry counter starts over.
    pub fn reconnect(&self) {
        self.runtime().ensure_lifecycle();
        self.runtime().input(engine::Input::Reconnect);
    }

    /// With [`Builder::resume`](super::Builder::resume): the session's
    /// counters (sent, acknowledged, replayed, resyncs, ...); else `None`.
    pub fn resume_stats(&self) -> Option<engine::ResumeStats> {
        self.runtime().with_engine(|e| e.resume_stats()).flatten()
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
                engine::SubmitError::Closed(p) => SendError::Closed(frame_of(p)),
                engine::SubmitError::OutboxFull(p) => SendError::OutboxFull(frame_of(p)),
                engine::SubmitError::TooLarge { frame, limit } => SendError::TooLarge {
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

    /// With [`Builder::resume`](super::Builder::resume): sends like
    /// [`send`](Self::send), then waits until the server acknowledges the
    /// message, that is, until the server's application has processed it.
    /// Fails when the message is dropped (a full outbox, expiry, a lost
    /// session), when the socket closes for good or is disposed first, and
    /// when nothing acknowledges messages.
    ///
    /// Cancel safe once sent: dropping the future stops the wait, not the
    /// message.
    pub async fn send_acked(&self, message: Out) -> Result<(), AckError<Out>> {
        use futures::StreamExt;
        let resumes = self
            .runtime()
            .with_engine(|e| e.config().resume().is_some())
            .unwrap_or(false);
        if !resumes {
            return Err(AckError::NoResume);
        }
        let live = || {
            self.runtime()
                .with_engine(|e| e.resume_live())
                .unwrap_or(false)
        };
        if self.state() == StateKind::Open && !live() {
            return Err(AckError::NoResume);
        }
        // Listening before the send: its acknowledgement cannot be missed.
        let mut events = self.events();
        let id = match self.send(message).await {
            Ok(SendOutcome::Dropped(_)) => {
                return Err(AckError::Dropped(engine::DropReason::Overflow))
            }
            Ok(outcome) => outcome.id(),
            Err(e) => return Err(AckError::Send(e)),
        };
        while let Some(event) = events.next().await {
            match event {
                Event::Acked { through } if through >= id => return Ok(()),
                Event::Dropped { id: d, reason, .. } if d == id => {
                    return Err(AckError::Dropped(reason))
                }
                Event::State(StateKind::Closed) => return Err(AckError::Closed),
                Event::Open { .. } if !live() => return Err(AckError::NoResume),
                _ => {}
            }
        }
        Err(AckError::Closed)
    }

    /// Sends now, or queues while the link is down. When the outbox is full
    /// (reject policy), waits for room instead of failing. Fails, handing the
    /// message back, only when it can never be sent: closed for good, too
    /// large, or not encodable.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe while it waits for room: a `send().await` dropped then
    /// (a `select!` that took another branch, say) drops its message, which
    /// was neither sent nor queued. Where that matters, use
    /// [`try_send`](Self::try_send), which hands the message back in
    /// [`SendError::OutboxFull`], or the [`Sink`] implementation, which keeps
    /// a started send until it fits. Once `send` has returned, the message is
    /// on the socket or in the outbox.
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

/// The sending half as a [`Sink`]: `poll_ready` waits for room in the
/// outbox for the send started last; `start_send` sends or queues at once
/// when it can, else keeps the message until `poll_ready` or `poll_flush`
/// places it; `poll_flush` is ready when every started send is on an open
/// socket or in the outbox; `poll_close` flushes and leaves the socket open
/// (other handles share it; close it with [`Sender::close`]).
impl<Out, C: Encode<Out>> Sink<Out> for Sender<Out, C> {
    type Error = SendError<Out>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().place(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Out) -> Result<(), Self::Error> {
        let this = self.get_mut();
        match this.try_send(item) {
            Ok(_) => Ok(()),
            Err(SendError::OutboxFull(item)) => {
                this.waiting = Some(item);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().place(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().place(cx)
    }
}

impl<Out, C: Encode<Out>> Sender<Out, C> {
    /// Places the started send that was waiting for room, if any.
    fn place(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<Out>>> {
        let Some(item) = self.waiting.take() else {
            return Poll::Ready(Ok(()));
        };
        match self.try_send(item) {
            Ok(_) => Poll::Ready(Ok(())),
            Err(SendError::OutboxFull(item)) => {
                self.waiting = Some(item);
                self.handle.mailbox.watch(cx.waker());
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

/// A `Socket` is a [`Sink`] as its sending half is, but `poll_close` closes
/// the socket for good (code 1000) once the started sends are placed, and is
/// ready when it is closed.
impl<In, Out, C: Encode<Out>> Sink<Out> for Socket<In, Out, C> {
    type Error = SendError<Out>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.get_mut().sender).poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Out) -> Result<(), Self::Error> {
        Pin::new(&mut self.get_mut().sender).start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.get_mut().sender).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let sender = &mut self.get_mut().sender;
        match sender.place(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        if let Some(State::Closed(_)) = sender.runtime().state() {
            return Poll::Ready(Ok(()));
        }
        sender.handle.mailbox.watch(cx.waker());
        // Closing already, or closed for good in between: nothing to start.
        let _ = sender.runtime().close(1000, "");
        match sender.runtime().state() {
            Some(State::Closed(_)) => Poll::Ready(Ok(())),
            _ => Poll::Pending,
        }
    }
}

impl<In, C: Decode<In>> Stream for Receiver<In, C> {
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
                    this.terminated = true;
                    return Poll::Ready(None);
                }
                // Revived by reconnect(): a later failure is reported again.
                this.ended = false;
                this.terminated = false;
                this.handle.mailbox.set_receiver(cx.waker());
                Poll::Pending
            }
        }
    }
}

/// Terminated once the stream has returned `None` (closed for good), so
/// that `select!` needs no `.fuse()`. [`reconnect`](Sender::reconnect)
/// revives the socket, and the stream then goes on (it is no longer
/// terminated once polled again).
impl<In, C: Decode<In>> FusedStream for Receiver<In, C> {
    fn is_terminated(&self) -> bool {
        // Still closed: a reconnect() since would have the stream go on.
        self.terminated && matches!(self.runtime().state(), Some(State::Closed(_)))
    }
}

impl<In, Out, C: Decode<In>> FusedStream for Socket<In, Out, C> {
    fn is_terminated(&self) -> bool {
        self.receiver.is_terminated()
    }
}

impl<In, Out, C: Decode<In>> Stream for Socket<In, Out, C> {
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
