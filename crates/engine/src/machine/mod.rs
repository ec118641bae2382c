use std::collections::VecDeque;

use core::fmt;
use core::time::Duration;

mod connect;
mod flow;
mod platform;
#[cfg(feature = "resume")]
mod session;
#[cfg(not(feature = "resume"))]
#[path = "session_off.rs"]
mod session;
mod timers;

use session::Session;

use super::backoff::Backoff;
use super::close_policy::{default_verdict, CloseInfo, Initiator, Verdict};
use super::config::{Config, HiddenPolicy, Overflow};
use super::frame::{Frame, Payload};
use super::heartbeat::{self, Heartbeat};
use super::io::{
    Allowance, Command, DropReason, Endpoint, ErrorKind, Event, FrameNeed, Input, OpenError, Timer,
};
use super::outbox::{MessageId, Outbox, Pushed, Queued};
use super::state::{ClosedReason, GiveUp, PauseReason, Phase, SocketId, State};
use super::time::Time;
use super::{CLOSE_CONNECT_TIMEOUT, CLOSE_HEARTBEAT_TIMEOUT};
use crate::text::text;

/// A bfcache restore this recent makes the next retry immediate.
const RESTORE_WINDOW: Duration = Duration::from_secs(2);

pub use super::errors::{CloseError, SendOutcome, SubmitError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Network {
    Online,
    Offline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Visible,
    Hidden,
}

/// Whether sends go straight to the socket or wait for its buffer to drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Flowing,
    Held,
    /// The socket is closing on its own (see [`Input::PeerClosing`]): nothing
    /// more goes to it, and without a close event by the close timeout the
    /// close is reported as 1006.
    PeerClosing,
}

/// The connection state machine. See the [module docs](super).
pub struct Engine {
    config: Config,
    state: State,
    rng: fastrand::Rng,
    backoff: Backoff,
    /// When the current episode of failures started (for the time budget).
    episode_start: Option<Time>,
    /// Successful opens since creation (the first connect is special).
    opens: u64,
    outbox: Outbox,
    heartbeat: Heartbeat,
    network: Network,
    page: Page,
    flow: Flow,
    /// bufferedAmount as last reported, plus what was transmitted since.
    buffered: u64,
    /// The last [`Command::Direct`]'s allowance (direct sends only), and
    /// whether its allowance must be reported again (bytes were spent).
    direct: Option<Allowance>,
    direct_spent: bool,
    restored_at: Option<Time>,
    /// When the engine paused (offline, hidden): paused time is not billed to
    /// the budget.
    paused_at: Option<Time>,
    timers: [Option<Time>; Timer::ALL.len()],
    /// The earliest of `timers`, kept as they change.
    next_deadline: Option<Time>,
    next_socket: u64,
    next_message: u64,
    commands: VecDeque<Command>,
    /// The resume session, with resume on.
    session: Option<Session>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("state", &self.state)
            .field("outbox", &self.outbox.len())
            .field("failures", &self.backoff.failures())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A new engine in [`State::Idle`]. `seed` seeds its own random source
    /// (the adapter draws it per instance, never at module load).
    pub fn new(config: Config, seed: u64) -> Engine {
        let session = Session::for_config(&config);
        Engine {
            config,
            state: State::Idle,
            rng: fastrand::Rng::with_seed(seed),
            backoff: Backoff::default(),
            episode_start: None,
            opens: 0,
            outbox: Outbox::default(),
            heartbeat: Heartbeat::default(),
            network: Network::Online,
            page: Page::Visible,
            flow: Flow::Flowing,
            buffered: 0,
            direct: None,
            direct_spent: false,
            restored_at: None,
            paused_at: None,
            timers: [None; Timer::ALL.len()],
            next_deadline: None,
            next_socket: 0,
            next_message: 0,
            commands: VecDeque::new(),
            session,
        }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Messages waiting in the outbox, and their payload bytes.
    pub fn outbox_len(&self) -> (usize, usize) {
        (self.outbox.len(), self.outbox.bytes())
    }

    /// The queued messages, oldest first.
    pub fn outbox(&self) -> impl Iterator<Item = (MessageId, &Payload)> {
        self.outbox.iter().map(|q| (q.id, &q.frame))
    }

    /// Takes every queued message out of the outbox, oldest first; they will
    /// not be sent.
    pub fn drain_outbox(&mut self) -> Vec<(MessageId, Payload)> {
        self.cancel_timer(Timer::Expiry);
        let drained = self
            .outbox
            .drain()
            .into_iter()
            .map(|q| (q.id, q.frame))
            .collect();
        self.report_direct();
        drained
    }

    /// The next command for the adapter, oldest first.
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// Takes every pending command.
    pub fn drain_commands(&mut self) -> impl Iterator<Item = Command> + '_ {
        self.commands.drain(..)
    }

    /// Feeds one input.
    pub fn handle(&mut self, now: Time, input: Input) {
        match input {
            Input::Connect => {
                if self.state == State::Idle {
                    self.new_episode();
                    self.begin_attempt(now, 0);
                }
            }
            Input::Resolved { socket, result } => self.on_resolved(now, socket, result),
            Input::OpenFailed { socket, error } => self.on_open_failed(now, socket, error),
            Input::Opened { socket, protocol } => {
                if matches!(self.state, State::Connecting { socket: s, phase: Phase::Opening, .. } if s == socket)
                {
                    self.on_socket_open(now, socket, protocol);
                }
            }
            Input::Received { socket, frame } => self.on_received(now, socket, Some(frame)),
            Input::Arrived { socket } => self.on_received(now, socket, None),
            Input::Closed {
                socket,
                code,
                reason,
                clean,
            } => {
                if self.state.socket() == Some(socket) {
                    self.on_closed(
                        now,
                        socket,
                        CloseInfo {
                            code,
                            reason,
                            clean,
                            initiator: Initiator::Remote,
                        },
                    );
                }
            }
            Input::Error { socket } => {
                if self.state.socket() == Some(socket) {
                    self.emit(Event::Error {
                        kind: ErrorKind::Socket,
                        message: "the WebSocket reported an error".into(),
                    });
                }
                // Before the open, an error is the end of the attempt: browsers
                // send a close 1006 after it, but Node's WebSocket sends none.
                if matches!(self.state, State::Connecting { socket: s, phase: Phase::Opening, .. } if s == socket)
                {
                    let info = CloseInfo {
                        code: 1006,
                        reason: String::new(),
                        clean: false,
                        initiator: Initiator::Remote,
                    };
                    self.on_closed(now, socket, info);
                }
            }
            Input::TransmitFailed { socket, id, frame } => {
                // An open socket that refuses a frame is closing on its own.
                self.on_peer_closing(now, socket);
                // Only user messages go back; a lost ping or handshake is redone on
                // the next open. A message of the resume session waits in its
                // replay buffer instead.
                if let Some(id) = id.filter(|&id| !self.session_holds(id)) {
                    self.outbox.put_back(Queued {
                        id,
                        frame,
                        expires: None,
                    });
                }
            }
            Input::PeerClosing { socket } => self.on_peer_closing(now, socket),
            Input::BufferedAmount(n) => self.on_buffered(now, n),
            Input::SentDirectly { socket, bytes } => {
                if matches!(self.state, State::Open { socket: s, .. } if s == socket) {
                    self.count_transmit(usize::try_from(bytes).unwrap_or(usize::MAX));
                }
                // Reported again, renewed (or withdrawn if sends are now held).
                self.direct_spent = true;
            }
            Input::Timeout => self.check_deadlines(now),
            Input::Online => self.on_online(now),
            Input::Offline => self.on_offline(now),
            Input::Hidden => self.on_hidden(now),
            Input::Visible => self.on_visible(now),
            Input::Frozen => {}
            Input::Resumed => self.on_resumed(now),
            Input::Restored => self.on_restored(now),
            Input::Close { code, reason } => match CloseError::check(code, &reason) {
                Ok(()) => self.close_now(now, code, reason),
                Err(e) => self.emit(Event::Error {
                    kind: ErrorKind::Refused,
                    message: e.message(),
                }),
            },
            Input::Reconnect => self.reconnect_now(now),
        }
        self.report_direct();
    }

    /// Whether frames of `socket` are taken now (it is the open or closing
    /// socket, or one waiting for its resume welcome).
    fn accepts_frames_from(&self, socket: SocketId) -> bool {
        matches!(self.state,
            State::Open { socket: s, .. }
            | State::Closing { socket: s, .. }
            | State::Connecting { socket: s, phase: Phase::Resuming, .. } if s == socket)
    }

    fn on_received(&mut self, now: Time, socket: SocketId, frame: Option<Frame>) {
        if !self.accepts_frames_from(socket) {
            return;
        }
        if self.session_wire() {
            self.on_wire(now, socket, frame);
        } else {
            self.on_frame(now, frame);
        }
    }

    /// What the engine needs of each received frame, for an adapter that can
    /// deliver frames itself: nothing, their arrival, or their content. It
    /// depends on the configuration alone.
    pub fn frame_need(&self) -> FrameNeed {
        let exact = self
            .config
            .heartbeat
            .as_ref()
            .map(|h| matches!(h.pong, super::config::PongMatcher::Exact(_)));
        match (self.session.is_some(), exact) {
            // A text pong on a link that does not speak the protocol is
            // told from data by its content.
            (true, Some(true)) => FrameNeed::Every,
            (true, _) => FrameNeed::TextArrival,
            (false, None) => FrameNeed::Nothing,
            (false, Some(true)) => FrameNeed::Content,
            (false, Some(false)) => FrameNeed::Arrival,
        }
    }

    /// The fast path of [`send`](Self::send) for an adapter that holds the
    /// payload: when the socket is open, sends are flowing and nothing is
    /// queued, `len` bytes are counted as transmitted and the socket and the
    /// message's id are returned; the adapter sends the payload itself (and
    /// reports [`Input::TransmitFailed`] if it cannot). `None`: call `send`.
    pub fn send_now(&mut self, len: usize) -> Option<(SocketId, MessageId)> {
        if self.session.is_some() {
            return None;
        }
        let socket = self.sending_now(len)?;
        let id = self.message_id();
        self.count_transmit(len);
        self.report_direct();
        Some((socket, id))
    }

    /// The open socket, when a message of `len` bytes sent now goes out at
    /// once and in order: sends are flowing, nothing is queued ahead of it,
    /// and the resume session has room for it.
    fn sending_now(&self, len: usize) -> Option<SocketId> {
        match self.state {
            State::Open { socket, .. }
                if self.flow == Flow::Flowing
                    && self.outbox.is_empty()
                    && self.session_room(len) =>
            {
                Some(socket)
            }
            _ => None,
        }
    }

    /// With direct sends on: reports the allowance ([`Command::Direct`]) when
    /// it changes (without resume: when the socket it is for changes, or its
    /// bytes were spent). Called at the end of every call that can change it.
    fn report_direct(&mut self) {
        if !self.config.direct_sends {
            return;
        }
        // The resume session numbers and keeps every message: only once it
        // is in force, within its window.
        let socket = match self.session {
            Some(_) if !self.session_live() => None,
            _ => self.sending_now(0),
        };
        let high = self.config.backpressure.high_watermark;
        let allowance = socket.map(|socket| {
            let bytes = high.saturating_sub(self.buffered);
            match self.session_allowance() {
                Some((messages, room, arrivals)) => Allowance {
                    socket,
                    bytes: bytes.min(room),
                    messages,
                    arrivals,
                },
                None => Allowance {
                    socket,
                    bytes,
                    messages: u64::MAX,
                    arrivals: 0,
                },
            }
        });
        let same = match (&self.session, allowance, self.direct) {
            // In the session the window's room is part of it.
            (Some(_), a, last) => a == last,
            (None, a, last) => a.map(|a| a.socket) == last.map(|l| l.socket) && !self.direct_spent,
        };
        if same {
            return;
        }
        self.direct = allowance;
        self.direct_spent = false;
        self.commands.push_back(Command::Direct(allowance));
    }

    /// Sends a message now, or queues it while the link is down. `ttl`
    /// overrides the outbox's time-to-live for this message.
    /// The message is a [`Frame`], or the size of a payload the adapter
    /// keeps itself ([`Payload::Kept`]): it then sends or hands back the
    /// payload of the [`Command::Transmit`] or [`Event::Dropped`] with this
    /// message's id. With resume on, a kept payload is a text message (the
    /// adapter sends it as a text frame, as it is, also again on a replay),
    /// kept by the adapter until [`Event::Acked`] or [`Event::Dropped`]
    /// covers its id.
    pub fn send(
        &mut self,
        now: Time,
        frame: impl Into<Payload>,
        ttl: Option<Duration>,
    ) -> Result<SendOutcome, SubmitError> {
        let result = self.submit(now, frame.into(), ttl);
        self.report_direct();
        result
    }

    fn submit(
        &mut self,
        now: Time,
        frame: Payload,
        ttl: Option<Duration>,
    ) -> Result<SendOutcome, SubmitError> {
        if matches!(self.state, State::Closed(_) | State::Closing { .. }) {
            return Err(SubmitError::Closed(frame));
        }
        if let Some(socket) = self.sending_now(frame.len()) {
            let id = self.message_id();
            self.send_on(socket, Some(id), frame);
            return Ok(SendOutcome::Sent(id));
        }
        let limits = self.queue_limits();
        if frame.len() > limits.max_bytes {
            let limit = limits.max_bytes;
            return Err(SubmitError::TooLarge { frame, limit });
        }
        let expires = ttl.or(limits.ttl).map(|d| now + d);
        let id = self.message_id();
        match self.outbox.push(&limits, Queued { id, frame, expires }) {
            Pushed::Queued(evicted) => {
                for old in evicted {
                    self.emit(Event::Dropped {
                        id: old.id,
                        frame: old.frame,
                        reason: DropReason::Overflow,
                    });
                }
                if expires.is_some() {
                    self.arm_expiry();
                }
                self.ask_for_ack();
                if self.flow == Flow::Held && self.timers[Timer::Backpressure.index()].is_none() {
                    let at = now + self.config.backpressure.poll;
                    self.set_timer(Timer::Backpressure, at);
                }
                Ok(SendOutcome::Queued(id))
            }
            Pushed::Full(item) => match self.config.outbox.overflow {
                Overflow::DropNewest => {
                    self.emit(Event::Dropped {
                        id: item.id,
                        frame: item.frame,
                        reason: DropReason::Overflow,
                    });
                    Ok(SendOutcome::Dropped(id))
                }
                Overflow::Reject | Overflow::DropOldest => Err(SubmitError::OutboxFull(item.frame)),
            },
        }
    }

    /// The bounds a send is queued under: the outbox's while the link is
    /// down; while it is open (held back by backpressure), the held limit
    /// alone.
    fn queue_limits(&self) -> super::config::OutboxConfig {
        let limits = &self.config.outbox;
        match self.state {
            State::Open { .. } => super::config::OutboxConfig {
                max_messages: usize::MAX,
                max_bytes: limits.max_held_bytes,
                ..limits.clone()
            },
            _ => limits.clone(),
        }
    }

    /// Closes for good: no reconnect until [`reconnect`](Self::reconnect).
    pub fn close(&mut self, now: Time, code: u16, reason: String) -> Result<(), CloseError> {
        CloseError::check(code, &reason)?;
        self.close_now(now, code, reason);
        self.report_direct();
        Ok(())
    }

    fn close_now(&mut self, now: Time, code: u16, reason: String) {
        match self.state.clone() {
            State::Closing { .. } | State::Closed(_) => {}
            State::Open { socket, .. }
            | State::Connecting {
                socket,
                phase: Phase::Opening | Phase::Resuming,
                ..
            } => {
                self.stop_link_timers();
                self.commands.push_back(Command::Close {
                    socket,
                    code,
                    reason: reason.clone(),
                });
                let deadline = now + self.config.close_timeout;
                self.set_state(State::Closing {
                    socket,
                    code,
                    reason,
                    deadline,
                });
                self.set_timer(Timer::CloseTimeout, deadline);
            }
            State::Connecting { socket, .. } => {
                self.commands.push_back(Command::Discard { socket });
                self.enter_closed(ClosedReason::User { code, reason });
            }
            State::Idle | State::Waiting { .. } | State::Paused { .. } => {
                self.enter_closed(ClosedReason::User { code, reason });
            }
        }
    }

    /// Connects again now, whatever the state: after a user close, after giving
    /// up, while waiting to retry. An open socket is replaced. The retry
    /// counter starts over.
    pub fn reconnect(&mut self, now: Time) {
        self.reconnect_now(now);
        self.report_direct();
    }

    fn reconnect_now(&mut self, now: Time) {
        if let Some(socket) = self.state.socket() {
            self.commands.push_back(Command::Close {
                socket,
                code: 1000,
                reason: "reconnect".into(),
            });
            self.commands.push_back(Command::Discard { socket });
            if matches!(self.state, State::Open { .. }) {
                self.emit(Event::Close(CloseInfo {
                    code: 1000,
                    reason: "reconnect".into(),
                    clean: false,
                    initiator: Initiator::Local,
                }));
            }
        }
        self.stop_link_timers();
        self.link_down(None);
        self.cancel_timer(Timer::CloseTimeout);
        self.new_episode();
        self.begin_attempt(now, 0);
    }

    // ----- plumbing -----

    fn set_state(&mut self, state: State) {
        let changed = self.state.kind() != state.kind();
        self.state = state;
        if changed {
            self.emit(Event::State(self.state.kind()));
        }
    }

    fn emit(&mut self, event: Event) {
        self.commands.push_back(Command::Emit(event));
    }

    fn set_timer(&mut self, timer: Timer, at: Time) {
        self.timers[timer.index()] = Some(at);
        self.update_next_deadline();
    }

    fn cancel_timer(&mut self, timer: Timer) {
        if self.timers[timer.index()].take().is_some() {
            self.update_next_deadline();
        }
    }

    fn update_next_deadline(&mut self) {
        self.next_deadline = self.timers.iter().flatten().min().copied();
    }

    /// When the engine next needs [`Input::Timeout`]: the earliest deadline of
    /// its armed timers, or `None` when none is armed. Read it again after
    /// every call that takes `now`; an adapter keeps one platform timer for it.
    pub fn poll_timeout(&self) -> Option<Time> {
        self.next_deadline
    }

    fn message_id(&mut self) -> MessageId {
        self.next_message += 1;
        MessageId(self.next_message)
    }

    /// The armed timers and their deadlines (what [`poll_timeout`](Self::poll_timeout)
    /// is the earliest of).
    pub fn timers(&self) -> impl Iterator<Item = (Timer, Time)> + '_ {
        Timer::ALL
            .into_iter()
            .filter_map(|t| self.timers[t.index()].map(|at| (t, at)))
    }
}
