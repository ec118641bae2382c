//! Timers: each one run once its deadline has passed (see `check_deadlines`).

use super::*;

impl Engine {
    pub(super) fn on_timer(&mut self, now: Time, timer: Timer) {
        if self.timers[timer.index()].is_none_or(|deadline| deadline > now) {
            return; // not armed, or not due yet
        }
        self.cancel_timer(timer);
        match timer {
            Timer::Retry => {
                if let State::Waiting { attempt, .. } = self.state {
                    self.begin_attempt(now, attempt);
                }
            }
            Timer::ConnectTimeout => {
                if let State::Connecting { socket, .. } = self.state {
                    let ms = self.config.backoff.connect_timeout.as_millis() as u64;
                    self.emit(Event::Error {
                        kind: ErrorKind::ConnectTimeout,
                        message: text!("the connection attempt timed out after ", ms, " ms"),
                    });
                    self.abandon(now, socket, CLOSE_CONNECT_TIMEOUT, "connect timeout");
                }
            }
            Timer::Ping => self.on_ping_due(now),
            Timer::PongTimeout => self.on_pong_timeout(now),
            Timer::CloseTimeout if self.flow == Flow::PeerClosing => {
                if let State::Open { socket, .. } = self.state {
                    let info = CloseInfo {
                        code: 1006,
                        reason: "the server closed the connection, but no close event followed within closeTimeout: its close code is unknown".into(),
                        clean: false,
                        initiator: Initiator::Remote,
                    };
                    self.on_closed(now, socket, info);
                }
            }
            Timer::SocketCheck => {
                if let State::Open { socket, .. } = self.state {
                    self.commands.push_back(Command::CheckSocket { socket });
                    let at = now + self.config.socket_check;
                    self.set_timer(Timer::SocketCheck, at);
                }
            }
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
            Timer::Ack => self.send_ack(),
        }
    }

    pub(super) fn on_ping_due(&mut self, now: Time) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let Some(config) = &self.config.heartbeat else {
            return;
        };
        match self.heartbeat.ping_due(now, config) {
            Ok(deadline) => {
                if let Some(ping) = self.ping_frame() {
                    self.transmit(socket, None, ping);
                }
                self.set_timer(Timer::PongTimeout, deadline);
            }
            Err(Some(due)) => self.set_timer(Timer::Ping, due),
            Err(None) => {}
        }
    }

    pub(super) fn on_pong_timeout(&mut self, now: Time) {
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
    pub(super) fn reprobe(&mut self, now: Time) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let Some(config) = &self.config.heartbeat else {
            return;
        };
        let deadline = self.heartbeat.reprobe(now, config);
        self.cancel_timer(Timer::Ping);
        if let Some(ping) = self.ping_frame() {
            self.transmit(socket, None, ping);
        }
        self.set_timer(Timer::PongTimeout, deadline);
    }

    pub(super) fn stop_link_timers(&mut self) {
        self.heartbeat.stop();
        for timer in [
            Timer::Ping,
            Timer::PongTimeout,
            Timer::Backpressure,
            Timer::SocketCheck,
            Timer::CloseTimeout,
        ] {
            self.cancel_timer(timer);
        }
        self.flow = Flow::Flowing;
    }
}
