//! The platform: online and offline, page visibility, freeze and the back/forward cache.

use super::*;

impl Engine {
    pub(super) fn on_online(&mut self, now: Time) {
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

    pub(super) fn on_offline(&mut self, now: Time) {
        self.network = Network::Offline;
        if let State::Waiting { attempt, .. } = self.state {
            self.pause(now, attempt, PauseReason::Offline);
        }
    }

    pub(super) fn on_hidden(&mut self, now: Time) {
        self.page = Page::Hidden;
        self.arm_hidden(now);
    }

    pub(super) fn arm_hidden(&mut self, now: Time) {
        if let HiddenPolicy::CloseAfter(after) = self.config.hidden {
            if matches!(
                self.state,
                State::Open { .. } | State::Connecting { .. } | State::Waiting { .. }
            ) {
                self.set_timer(Timer::Hidden, now + after);
            }
        }
    }

    pub(super) fn on_hidden_too_long(&mut self, now: Time) {
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

    pub(super) fn on_visible(&mut self, now: Time) {
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

    pub(super) fn on_resumed(&mut self, now: Time) {
        if matches!(self.state, State::Open { .. }) && self.config.heartbeat.is_some() {
            self.reprobe(now);
        }
        self.check_deadlines(now);
    }

    pub(super) fn on_restored(&mut self, now: Time) {
        self.restored_at = Some(now);
        match self.state {
            State::Waiting { attempt, .. } => self.begin_attempt(now, attempt),
            State::Open { .. } if self.config.heartbeat.is_some() => self.reprobe(now),
            _ => {}
        }
    }

    /// Runs every timer whose deadline has passed, earliest first (timers of a
    /// throttled or frozen page fire late or not at all). A timer that a due
    /// one arms for `now` runs too; the passes are bounded, so a timer that
    /// re-arms itself at `now` cannot hold the engine.
    pub(super) fn check_deadlines(&mut self, now: Time) {
        for _ in 0..4 * Timer::ALL.len() {
            let due = Timer::ALL
                .into_iter()
                .filter_map(|t| {
                    self.timers[t.index()]
                        .filter(|at| *at <= now)
                        .map(|at| (at, t))
                })
                .min();
            let Some((_, timer)) = due else {
                return;
            };
            self.on_timer(now, timer);
        }
    }
}
