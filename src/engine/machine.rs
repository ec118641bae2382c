use std::collections::VecDeque;

use core::fmt;
use core::time::Duration;

use super::backoff::Backoff;
use super::close_policy::{default_verdict, CloseInfo, Initiator, Verdict};
use super::config::{Config, HiddenPolicy, Overflow};
use super::frame::Frame;
use super::heartbeat::{self, Heartbeat};
use super::io::{Command, DropReason, Endpoint, Event, Input, OpenError, Timer};
use super::outbox::{MessageId, Outbox, Pushed, Queued};
use super::state::{ClosedReason, GiveUp, PauseReason, Phase, SocketId, State};
use super::time::Time;
use super::{CLOSE_CONNECT_TIMEOUT, CLOSE_HEARTBEAT_TIMEOUT};

/// A bfcache restore this recent makes the next retry immediate.
const RESTORE_WINDOW: Duration = Duration::from_secs(2);

/// What a successful [`Engine::send`] did with the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Handed to the open socket.
    Sent(MessageId),
    /// Queued in the outbox until the link is up (or the send buffer drains).
    Queued(MessageId),
    /// Dropped by the drop-newest overflow policy; a drop event says so too.
    Dropped(MessageId),
}

/// Why a send was refused. The message is handed back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The socket is closed for good (or closing) until `reconnect()`.
    Closed(Frame),
    /// The outbox is full and its policy is reject.
    OutboxFull(Frame),
    /// The message is larger than the whole outbox may hold.
    TooLarge {
        /// The message.
        frame: Frame,
        /// The outbox's byte limit.
        limit: usize,
    },
}

impl SendError {
    /// The message that was not sent.
    pub fn into_frame(self) -> Frame {
        match self {
            SendError::Closed(f)
            | SendError::OutboxFull(f)
            | SendError::TooLarge { frame: f, .. } => f,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed(_) => {
                write!(f, "the socket is closed; call reconnect() to reopen it")
            }
            SendError::OutboxFull(_) => write!(f, "the outbox is full"),
            SendError::TooLarge { frame, limit } => write!(
                f,
                "a {}-byte message does not fit in the outbox ({limit} bytes at most)",
                frame.len()
            ),
        }
    }
}

impl std::error::Error for SendError {}

/// Why a user close was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseError {
    /// Scripts may close only with 1000 or 3000 to 4999.
    InvalidCode(u16),
    /// The reason is longer than 123 UTF-8 bytes.
    ReasonTooLong(usize),
}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseError::InvalidCode(code) => {
                write!(
                    f,
                    "close code {code} is not allowed: use 1000 or 3000 to 4999"
                )
            }
            CloseError::ReasonTooLong(n) => {
                write!(f, "a close reason is at most 123 UTF-8 bytes, got {n}")
            }
        }
    }
}

impl std::error::Error for CloseError {}

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
    restored_at: Option<Time>,
    /// When the engine paused (offline, hidden): paused time is not billed to
    /// the budget.
    paused_at: Option<Time>,
    timers: [Option<Time>; Timer::ALL.len()],
    next_socket: u64,
    next_message: u64,
    commands: VecDeque<Command>,
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
            restored_at: None,
            paused_at: None,
            timers: [None; Timer::ALL.len()],
            next_socket: 0,
            next_message: 0,
            commands: VecDeque::new(),
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
    pub fn outbox(&self) -> impl Iterator<Item = (MessageId, &Frame)> {
        self.outbox.iter().map(|q| (q.id, &q.frame))
    }

    /// Takes every queued message out of the outbox, oldest first; they will
    /// not be sent.
    pub fn drain_outbox(&mut self) -> Vec<(MessageId, Frame)> {
        self.cancel_timer(Timer::Expiry);
        self.outbox
            .drain()
            .into_iter()
            .map(|q| (q.id, q.frame))
            .collect()
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
                    self.on_open(now, socket, protocol);
                }
            }
            Input::Received { socket, frame } => {
                if matches!(self.state, State::Open { socket: s, .. } | State::Closing { socket: s, .. } if s == socket)
                {
                    self.on_frame(now, frame);
                }
            }
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
                    self.emit(Event::Error("the WebSocket reported an error".into()));
                }
            }
            Input::TransmitFailed {
                socket: _,
                id,
                frame,
            } => {
                // Only user messages go back; a lost ping or handshake is redone on
                // the next open.
                if let Some(id) = id {
                    self.outbox.push_front(Queued {
                        id,
                        frame,
                        expires: None,
                    });
                }
            }
            Input::BufferedAmount(n) => self.on_buffered(now, n),
            Input::TimerFired(timer) => self.on_timer(now, timer),
            Input::Online => self.on_online(now),
            Input::Offline => self.on_offline(now),
            Input::Hidden => self.on_hidden(now),
            Input::Visible => self.on_visible(now),
            Input::Frozen => {}
            Input::Resumed => self.on_resumed(now),
            Input::Restored => self.on_restored(now),
            Input::Close { code, reason } => {
                if let Err(e) = self.close(now, code, reason) {
                    self.emit(Event::Error(e.to_string()));
                }
            }
            Input::Reconnect => self.reconnect(now),
        }
    }

    /// Sends a message now, or queues it while the link is down. `ttl`
    /// overrides the outbox's time-to-live for this message.
    pub fn send(
        &mut self,
        now: Time,
        frame: Frame,
        ttl: Option<Duration>,
    ) -> Result<SendOutcome, SendError> {
        let socket = match &self.state {
            State::Closed(_) | State::Closing { .. } => return Err(SendError::Closed(frame)),
            State::Open { socket, .. } if self.flow == Flow::Flowing && self.outbox.is_empty() => {
                Some(*socket)
            }
            _ => None,
        };
        if let Some(socket) = socket {
            let id = self.message_id();
            self.transmit(socket, Some(id), frame);
            return Ok(SendOutcome::Sent(id));
        }
        let limits = &self.config.outbox;
        if frame.len() > limits.max_bytes {
            let limit = limits.max_bytes;
            return Err(SendError::TooLarge { frame, limit });
        }
        let expires = ttl.or(limits.ttl).map(|d| now + d);
        let id = self.message_id();
        match self
            .outbox
            .push(&self.config.outbox, Queued { id, frame, expires })
        {
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
                Overflow::Reject | Overflow::DropOldest => Err(SendError::OutboxFull(item.frame)),
            },
        }
    }

    /// Closes for good: no reconnect until [`reconnect`](Self::reconnect).
    pub fn close(&mut self, now: Time, code: u16, reason: String) -> Result<(), CloseError> {
        if !(code == 1000 || (3000..=4999).contains(&code)) {
            return Err(CloseError::InvalidCode(code));
        }
        if reason.len() > 123 {
            return Err(CloseError::ReasonTooLong(reason.len()));
        }
        match self.state.clone() {
            State::Closing { .. } | State::Closed(_) => {}
            State::Open { socket, .. }
            | State::Connecting {
                socket,
                phase: Phase::Opening,
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
        Ok(())
    }

    /// Connects again now, whatever the state: after a user close, after giving
    /// up, while waiting to retry. An open socket is replaced. The retry
    /// counter starts over.
    pub fn reconnect(&mut self, now: Time) {
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
        self.cancel_timer(Timer::CloseTimeout);
        self.new_episode();
        self.begin_attempt(now, 0);
    }

    // ----- attempts -----

    fn begin_attempt(&mut self, now: Time, attempt: u32) {
        self.cancel_timer(Timer::Retry);
        self.cancel_timer(Timer::Hidden);
        if let Some(paused) = self.paused_at.take() {
            if let Some(start) = self.episode_start.as_mut() {
                *start = *start + (now - paused);
            }
        }
        self.next_socket += 1;
        let socket = SocketId(self.next_socket);
        let deadline = now + self.config.backoff.connect_timeout;
        self.set_state(State::Connecting {
            socket,
            attempt,
            phase: Phase::Resolving,
            deadline,
        });
        self.set_timer(Timer::ConnectTimeout, deadline);
        self.commands
            .push_back(Command::Resolve { socket, attempt });
    }

    fn on_resolved(&mut self, now: Time, socket: SocketId, result: Result<Endpoint, String>) {
        let State::Connecting {
            socket: current,
            attempt,
            phase: Phase::Resolving,
            deadline,
        } = self.state
        else {
            return;
        };
        if current != socket {
            return;
        }
        match result {
            Ok(endpoint) => {
                self.state = State::Connecting {
                    socket,
                    attempt,
                    phase: Phase::Opening,
                    deadline,
                };
                self.commands.push_back(Command::Open { socket, endpoint });
            }
            Err(message) => {
                self.cancel_timer(Timer::ConnectTimeout);
                self.emit(Event::Error(format!("the URL provider failed: {message}")));
                self.after_failure(now, Verdict::Reconnect);
            }
        }
    }

    fn on_open_failed(&mut self, now: Time, socket: SocketId, error: OpenError) {
        if !matches!(self.state, State::Connecting { socket: s, .. } if s == socket) {
            return;
        }
        self.cancel_timer(Timer::ConnectTimeout);
        match error {
            OpenError::InvalidUrl(message) | OpenError::Forbidden(message) => {
                self.emit(Event::Error(message.clone()));
                self.enter_closed(ClosedReason::Invalid(message));
            }
            OpenError::Other(message) => {
                self.emit(Event::Error(message));
                self.after_failure(now, Verdict::Reconnect);
            }
        }
    }

    fn on_open(&mut self, now: Time, socket: SocketId, protocol: String) {
        self.cancel_timer(Timer::ConnectTimeout);
        self.opens += 1;
        self.flow = Flow::Flowing;
        self.buffered = 0;
        self.set_state(State::Open {
            socket,
            since: now,
            protocol: protocol.clone(),
        });
        self.emit(Event::Open { protocol });
        // Handshake frames go out first, before anything queued.
        if let Some(hook) = self.config.handshake.as_mut() {
            for frame in hook() {
                self.transmit(socket, None, frame);
            }
        }
        self.expire_outbox(now);
        self.flush();
        if let Some(config) = &self.config.heartbeat {
            let due = self.heartbeat.start(now, config);
            self.set_timer(Timer::Ping, due);
        }
        if self.page == Page::Hidden {
            self.arm_hidden(now);
        }
    }

    fn on_frame(&mut self, now: Time, frame: Frame) {
        if let Some(config) = &self.config.heartbeat {
            let seen = self.heartbeat.on_frame(now, &frame, config);
            if let Some(rtt) = seen.rtt {
                self.emit(Event::Heartbeat { rtt });
                self.cancel_timer(Timer::PongTimeout);
                if let Some(due) = self.heartbeat.next_ping() {
                    self.set_timer(Timer::Ping, due);
                }
            }
            if seen.swallow {
                return;
            }
        }
        self.commands.push_back(Command::Deliver(frame));
    }

    fn on_closed(&mut self, now: Time, socket: SocketId, info: CloseInfo) {
        self.commands.push_back(Command::Discard { socket });
        match self.state.clone() {
            State::Closing { code, reason, .. } => {
                self.cancel_timer(Timer::CloseTimeout);
                self.emit(Event::Close(CloseInfo {
                    initiator: Initiator::Local,
                    ..info
                }));
                self.enter_closed(ClosedReason::User { code, reason });
            }
            State::Open { since, .. } => {
                self.stop_link_timers();
                self.emit(Event::Close(info.clone()));
                if now - since >= self.config.backoff.min_uptime {
                    self.new_episode();
                }
                let verdict = self.verdict(&info);
                self.after_close(now, verdict, info);
            }
            _ => {
                // Closed before it opened: a refused handshake looks like this (1006).
                self.cancel_timer(Timer::ConnectTimeout);
                self.emit(Event::Close(info.clone()));
                let verdict = self.verdict(&info);
                self.after_close(now, verdict, info);
            }
        }
    }

    fn verdict(&mut self, info: &CloseInfo) -> Verdict {
        let hooked = self.config.close_hook.as_mut().and_then(|hook| hook(info));
        hooked.unwrap_or_else(|| default_verdict(info.code))
    }

    fn after_close(&mut self, now: Time, verdict: Verdict, info: CloseInfo) {
        if verdict == Verdict::Stop {
            self.enter_closed(ClosedReason::Policy(info));
        } else {
            self.after_failure(now, verdict);
        }
    }

    /// An attempt or a connection failed; retry unless a limit says stop.
    fn after_failure(&mut self, now: Time, verdict: Verdict) {
        if self.opens == 0 && !self.config.backoff.retry_first_connect {
            return self.give_up(GiveUp::FirstConnect);
        }
        if let Some(max) = self.config.backoff.max_retries {
            if self.backoff.failures() >= max {
                return self.give_up(GiveUp::MaxRetries(max));
            }
        }
        let start = *self.episode_start.get_or_insert(now);
        let mut delay = match verdict {
            Verdict::ReconnectLater => self
                .backoff
                .restart_delay(&self.config.backoff, &mut self.rng),
            _ => self.backoff.next_delay(&self.config.backoff, &mut self.rng),
        };
        // Once: a restored page retries at once, but only the first time.
        if self
            .restored_at
            .take()
            .is_some_and(|t| now - t <= RESTORE_WINDOW)
        {
            delay = Duration::ZERO;
        }
        if let Some(budget) = self.config.backoff.budget {
            if (now + delay) - start > budget {
                return self.give_up(GiveUp::Budget);
            }
        }
        let attempt = self.backoff.failures();
        if self.network == Network::Offline {
            return self.pause(now, attempt, PauseReason::Offline);
        }
        self.emit(Event::Retrying { attempt, delay });
        if delay.is_zero() {
            return self.begin_attempt(now, attempt);
        }
        let until = now + delay;
        self.set_state(State::Waiting { attempt, until });
        self.set_timer(Timer::Retry, until);
    }

    fn give_up(&mut self, why: GiveUp) {
        self.emit(Event::GaveUp(why.clone()));
        self.enter_closed(ClosedReason::GaveUp(why));
    }

    fn pause(&mut self, now: Time, attempt: u32, why: PauseReason) {
        self.cancel_timer(Timer::Retry);
        self.paused_at = Some(now);
        self.set_state(State::Paused { attempt, why });
    }

    fn enter_closed(&mut self, reason: ClosedReason) {
        self.stop_link_timers();
        // Expiry too: queued messages are checked again when the link comes back.
        for timer in [
            Timer::Retry,
            Timer::ConnectTimeout,
            Timer::CloseTimeout,
            Timer::Hidden,
            Timer::Expiry,
        ] {
            self.cancel_timer(timer);
        }
        self.set_state(State::Closed(reason));
    }

    fn new_episode(&mut self) {
        self.backoff.reset();
        self.episode_start = None;
        self.paused_at = None;
    }

    /// Drops the socket for a local reason and retries.
    fn abandon(&mut self, now: Time, socket: SocketId, code: u16, reason: &str) {
        let since = match self.state {
            State::Open { since, .. } => Some(since),
            _ => None,
        };
        self.stop_link_timers();
        self.cancel_timer(Timer::ConnectTimeout);
        self.commands.push_back(Command::Close {
            socket,
            code,
            reason: reason.into(),
        });
        self.commands.push_back(Command::Discard { socket });
        self.emit(Event::Close(CloseInfo {
            code,
            reason: reason.into(),
            clean: false,
            initiator: Initiator::Local,
        }));
        if since.is_some_and(|since| now - since >= self.config.backoff.min_uptime) {
            self.new_episode();
        }
        self.after_failure(now, Verdict::Reconnect);
    }

    // ----- timers -----

    fn on_timer(&mut self, now: Time, timer: Timer) {
        let Some(deadline) = self.timers[timer.index()] else {
            return; // cancelled, or fired twice
        };
        if now < deadline {
            // Fired early: look again at the real deadline.
            self.set_timer(timer, deadline);
            return;
        }
        self.timers[timer.index()] = None;
        match timer {
            Timer::Retry => {
                if let State::Waiting { attempt, .. } = self.state {
                    self.begin_attempt(now, attempt);
                }
            }
            Timer::ConnectTimeout => {
                if let State::Connecting { socket, .. } = self.state {
                    let secs = self.config.backoff.connect_timeout.as_secs_f64();
                    self.emit(Event::Error(format!(
                        "the connection attempt timed out after {secs} s"
                    )));
                    self.abandon(now, socket, CLOSE_CONNECT_TIMEOUT, "connect timeout");
                }
            }
            Timer::Ping => self.on_ping_due(now),
            Timer::PongTimeout => self.on_pong_timeout(now),
            Timer::CloseTimeout => {
                if let State::Closing {
                    socket,
                    code,
                    reason,
                    ..
                } = self.state.clone()
                {
                    self.commands.push_back(Command::Discard { socket });
                    self.emit(Event::Close(CloseInfo {
                        code: 1006,
                        reason: "the server did not answer the close in time".into(),
                        clean: false,
                        initiator: Initiator::Local,
                    }));
                    self.enter_closed(ClosedReason::User { code, reason });
                }
            }
            Timer::Expiry => self.expire_outbox(now),
            Timer::Backpressure => {
                if matches!(self.state, State::Open { .. }) && self.flow == Flow::Held {
                    self.commands.push_back(Command::QueryBufferedAmount);
                }
            }
            Timer::Hidden => self.on_hidden_too_long(now),
        }
    }

    fn on_ping_due(&mut self, now: Time) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let Some(config) = &self.config.heartbeat else {
            return;
        };
        match self.heartbeat.ping_due(now, config) {
            Ok(deadline) => {
                let ping = config.ping.clone();
                self.transmit(socket, None, ping);
                self.set_timer(Timer::PongTimeout, deadline);
            }
            Err(Some(due)) => self.set_timer(Timer::Ping, due),
            Err(None) => {}
        }
    }

    fn on_pong_timeout(&mut self, now: Time) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let Some(config) = &self.config.heartbeat else {
            return;
        };
        match self.heartbeat.check(now, config) {
            heartbeat::Verdict::Dead => {
                self.abandon(now, socket, CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout")
            }
            heartbeat::Verdict::NotYet(deadline) => self.set_timer(Timer::PongTimeout, deadline),
            heartbeat::Verdict::Idle => {}
        }
    }

    /// Re-checks the heartbeat against the clock now (a resume, a visible page):
    /// frames that arrived during a freeze may not have been seen, so a fresh
    /// probe is sent instead of judging a stale deadline.
    fn reprobe(&mut self, now: Time) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let Some(config) = &self.config.heartbeat else {
            return;
        };
        let deadline = self.heartbeat.reprobe(now, config);
        let ping = config.ping.clone();
        self.cancel_timer(Timer::Ping);
        self.transmit(socket, None, ping);
        self.set_timer(Timer::PongTimeout, deadline);
    }

    fn stop_link_timers(&mut self) {
        self.heartbeat.stop();
        for timer in [Timer::Ping, Timer::PongTimeout, Timer::Backpressure] {
            self.cancel_timer(timer);
        }
        self.flow = Flow::Flowing;
    }

    // ----- outbox and backpressure -----

    fn transmit(&mut self, socket: SocketId, id: Option<MessageId>, frame: Frame) {
        self.buffered = self.buffered.saturating_add(frame.len() as u64);
        self.commands
            .push_back(Command::Transmit { socket, id, frame });
        if self.flow == Flow::Flowing && self.buffered > self.config.backpressure.high_watermark {
            // Our estimate says full: hold further sends until the socket says.
            self.flow = Flow::Held;
            self.commands.push_back(Command::QueryBufferedAmount);
        }
    }

    fn flush(&mut self) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        while self.flow == Flow::Flowing {
            let Some(item) = self.outbox.pop_front() else {
                break;
            };
            self.transmit(socket, Some(item.id), item.frame);
        }
        if self.outbox.next_expiry().is_none() {
            self.cancel_timer(Timer::Expiry);
        }
    }

    fn on_buffered(&mut self, now: Time, amount: u64) {
        if !matches!(self.state, State::Open { .. }) {
            return;
        }
        self.buffered = amount;
        let limits = &self.config.backpressure;
        match self.flow {
            Flow::Held if amount <= limits.low_watermark => {
                self.flow = Flow::Flowing;
                self.cancel_timer(Timer::Backpressure);
                self.flush();
            }
            Flow::Held => {
                let at = now + limits.poll;
                self.set_timer(Timer::Backpressure, at);
            }
            Flow::Flowing if amount > limits.high_watermark => {
                self.flow = Flow::Held;
                let at = now + limits.poll;
                self.set_timer(Timer::Backpressure, at);
            }
            Flow::Flowing => {}
        }
    }

    fn expire_outbox(&mut self, now: Time) {
        for item in self.outbox.expire(now) {
            self.emit(Event::Dropped {
                id: item.id,
                frame: item.frame,
                reason: DropReason::Expired,
            });
        }
        self.arm_expiry();
    }

    fn arm_expiry(&mut self) {
        match self.outbox.next_expiry() {
            Some(at) if self.timers[Timer::Expiry.index()] != Some(at) => {
                self.set_timer(Timer::Expiry, at)
            }
            Some(_) => {}
            None => self.cancel_timer(Timer::Expiry),
        }
    }

    // ----- the platform -----

    fn on_online(&mut self, now: Time) {
        self.network = Network::Online;
        match self.state {
            State::Paused {
                attempt,
                why: PauseReason::Offline,
            }
            | State::Waiting { attempt, .. } => {
                self.begin_attempt(now, attempt);
            }
            _ => {}
        }
    }

    fn on_offline(&mut self, now: Time) {
        self.network = Network::Offline;
        if let State::Waiting { attempt, .. } = self.state {
            self.pause(now, attempt, PauseReason::Offline);
        }
    }

    fn on_hidden(&mut self, now: Time) {
        self.page = Page::Hidden;
        self.arm_hidden(now);
    }

    fn arm_hidden(&mut self, now: Time) {
        if let HiddenPolicy::CloseAfter(after) = self.config.hidden {
            if matches!(
                self.state,
                State::Open { .. } | State::Connecting { .. } | State::Waiting { .. }
            ) {
                self.set_timer(Timer::Hidden, now + after);
            }
        }
    }

    fn on_hidden_too_long(&mut self, now: Time) {
        if self.page != Page::Hidden {
            return;
        }
        match self.state.clone() {
            State::Open { socket, .. } | State::Connecting { socket, .. } => {
                let was_open = matches!(self.state, State::Open { .. });
                self.stop_link_timers();
                self.cancel_timer(Timer::ConnectTimeout);
                self.commands.push_back(Command::Close {
                    socket,
                    code: 1000,
                    reason: "page hidden".into(),
                });
                self.commands.push_back(Command::Discard { socket });
                if was_open {
                    self.emit(Event::Close(CloseInfo {
                        code: 1000,
                        reason: "page hidden".into(),
                        clean: false,
                        initiator: Initiator::Local,
                    }));
                }
                self.new_episode();
                self.pause(now, 0, PauseReason::Hidden);
            }
            State::Waiting { attempt, .. } => self.pause(now, attempt, PauseReason::Hidden),
            _ => {}
        }
    }

    fn on_visible(&mut self, now: Time) {
        self.page = Page::Visible;
        self.cancel_timer(Timer::Hidden);
        match self.state {
            State::Paused {
                attempt,
                why: PauseReason::Hidden,
            } => {
                if self.network == Network::Online {
                    self.begin_attempt(now, attempt);
                } else {
                    self.state = State::Paused {
                        attempt,
                        why: PauseReason::Offline,
                    };
                }
            }
            _ => self.check_deadlines(now),
        }
    }

    fn on_resumed(&mut self, now: Time) {
        if matches!(self.state, State::Open { .. }) && self.config.heartbeat.is_some() {
            self.reprobe(now);
        }
        self.check_deadlines(now);
    }

    fn on_restored(&mut self, now: Time) {
        self.restored_at = Some(now);
        match self.state {
            State::Waiting { attempt, .. } => self.begin_attempt(now, attempt),
            State::Open { .. } if self.config.heartbeat.is_some() => self.reprobe(now),
            _ => {}
        }
    }

    /// Runs every timer whose deadline has passed (timers of a throttled or
    /// frozen page fire late or not at all).
    fn check_deadlines(&mut self, now: Time) {
        for timer in Timer::ALL {
            if self.timers[timer.index()].is_some_and(|at| at <= now) {
                // The adapter still has it armed: disarm it there, run it here.
                self.commands.push_back(Command::CancelTimer(timer));
                self.on_timer(now, timer);
            }
        }
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
        self.commands.push_back(Command::SetTimer { timer, at });
    }

    fn cancel_timer(&mut self, timer: Timer) {
        if self.timers[timer.index()].take().is_some() {
            self.commands.push_back(Command::CancelTimer(timer));
        }
    }

    fn message_id(&mut self) -> MessageId {
        self.next_message += 1;
        MessageId(self.next_message)
    }

    /// The deadlines of the armed timers (for tests and adapters that poll).
    pub fn timers(&self) -> impl Iterator<Item = (Timer, Time)> + '_ {
        Timer::ALL
            .into_iter()
            .filter_map(|t| self.timers[t.index()].map(|at| (t, at)))
    }
}
