//! Attempts, opens and closes: when to connect, retry, pause or stop.

use super::*;

impl Engine {
    pub(super) fn begin_attempt(&mut self, now: Time, attempt: u32) {
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

    pub(super) fn on_resolved(
        &mut self,
        now: Time,
        socket: SocketId,
        result: Result<Endpoint, String>,
    ) {
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
                if let Some(port) = crate::blocked_port(&endpoint.url) {
                    self.cancel_timer(Timer::ConnectTimeout);
                    let message = text!(
                        "connecting to ",
                        crate::text::Quoted(&endpoint.url),
                        " is forbidden: port ",
                        port,
                        " is on the list of ports no page may reach"
                    );
                    self.emit(Event::Error {
                        kind: ErrorKind::Forbidden,
                        message: message.clone(),
                    });
                    self.enter_closed(ClosedReason::Invalid(message));
                    return;
                }
                self.state = State::Connecting {
                    socket,
                    attempt,
                    phase: Phase::Opening,
                    deadline,
                };
                let endpoint = self.offered(endpoint);
                self.commands.push_back(Command::Open { socket, endpoint });
            }
            Err(message) => {
                self.cancel_timer(Timer::ConnectTimeout);
                self.emit(Event::Error {
                    kind: ErrorKind::Url,
                    message: text!("the URL provider failed: ", message),
                });
                self.after_failure(now, Verdict::Reconnect);
            }
        }
    }

    pub(super) fn on_open_failed(&mut self, now: Time, socket: SocketId, error: OpenError) {
        if !matches!(self.state, State::Connecting { socket: s, .. } if s == socket) {
            return;
        }
        self.cancel_timer(Timer::ConnectTimeout);
        match error {
            OpenError::InvalidUrl(message) | OpenError::Forbidden(message) => {
                self.emit(Event::Error {
                    kind: ErrorKind::Forbidden,
                    message: message.clone(),
                });
                self.enter_closed(ClosedReason::Invalid(message));
            }
            OpenError::Other(message) => {
                self.emit(Event::Error {
                    kind: ErrorKind::Socket,
                    message,
                });
                self.after_failure(now, Verdict::Reconnect);
            }
        }
    }

    /// The link is up (with resume on: welcomed). `handshake`: run the
    /// handshake hook (not after a resume, which replays instead).
    pub(super) fn on_open(
        &mut self,
        now: Time,
        socket: SocketId,
        protocol: String,
        handshake: bool,
    ) {
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
        let check = now + self.config.socket_check;
        self.set_timer(Timer::SocketCheck, check);
        // Handshake frames go out first, before anything queued; after a
        // resume, what the server has not processed.
        if !handshake {
            self.replay(socket);
        } else if let Some(hook) = self.config.handshake.as_mut() {
            for frame in hook() {
                self.send_on(socket, None, frame.into());
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

    pub(super) fn on_frame(&mut self, now: Time, frame: Option<Frame>) {
        if self.heard(now, frame.as_ref()) {
            return;
        }
        match frame {
            Some(frame) => self.commands.push_back(Command::Deliver(frame)),
            // With resume on, every text frame is the application's.
            None if self.frame_need() == FrameNeed::TextArrival => {
                self.commands.push_back(Command::DeliverArrived)
            }
            None => {}
        }
    }

    /// A frame (or its arrival) proves the link alive to the heartbeat, and
    /// answers its ping if it is the pong. True: it was the exact pong, which
    /// is not delivered.
    pub(super) fn heard(&mut self, now: Time, frame: Option<&Frame>) -> bool {
        let Some(config) = &self.config.heartbeat else {
            return false;
        };
        let seen = self.heartbeat.on_frame(now, frame, config);
        if let Some(rtt) = seen.rtt {
            self.emit(Event::Heartbeat { rtt });
            self.cancel_timer(Timer::PongTimeout);
            if let Some(due) = self.heartbeat.next_ping() {
                self.set_timer(Timer::Ping, due);
            }
        }
        seen.swallow
    }

    pub(super) fn on_closed(&mut self, now: Time, socket: SocketId, info: CloseInfo) {
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
                self.link_down(Some(info.code));
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
                self.link_down(Some(info.code));
                self.cancel_timer(Timer::ConnectTimeout);
                self.emit(Event::Close(info.clone()));
                let verdict = self.verdict(&info);
                self.after_close(now, verdict, info);
            }
        }
    }

    pub(super) fn verdict(&mut self, info: &CloseInfo) -> Verdict {
        let hooked = self.config.close_hook.as_mut().and_then(|hook| hook(info));
        hooked.unwrap_or_else(|| default_verdict(info.code))
    }

    pub(super) fn after_close(&mut self, now: Time, verdict: Verdict, info: CloseInfo) {
        if verdict == Verdict::Stop {
            self.enter_closed(ClosedReason::Policy(info));
        } else {
            self.after_failure(now, verdict);
        }
    }

    /// An attempt or a connection failed; retry unless a limit says stop.
    pub(super) fn after_failure(&mut self, now: Time, verdict: Verdict) {
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

    pub(super) fn give_up(&mut self, why: GiveUp) {
        self.emit(Event::GaveUp(why.clone()));
        self.enter_closed(ClosedReason::GaveUp(why));
    }

    pub(super) fn pause(&mut self, now: Time, attempt: u32, why: PauseReason) {
        self.cancel_timer(Timer::Retry);
        self.paused_at = Some(now);
        self.set_state(State::Paused { attempt, why });
    }

    pub(super) fn enter_closed(&mut self, reason: ClosedReason) {
        self.stop_link_timers();
        self.link_down(None);
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

    pub(super) fn new_episode(&mut self) {
        self.backoff.reset();
        self.episode_start = None;
        self.paused_at = None;
    }

    /// Drops the socket for a local reason and retries.
    pub(super) fn abandon(&mut self, now: Time, socket: SocketId, code: u16, reason: &str) {
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
        self.link_down(None);
        if since.is_some_and(|since| now - since >= self.config.backoff.min_uptime) {
            self.new_episode();
        }
        self.after_failure(now, Verdict::Reconnect);
    }
}
