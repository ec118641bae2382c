use core::time::Duration;

use super::config::{HeartbeatConfig, PongMatcher};
use super::frame::Frame;
use super::time::Time;

/// The liveness check of one open socket. Every decision compares the clock
/// with a deadline, never counts timer ticks: a throttled background timer
/// that fires late still judges by the real time that has passed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Heartbeat {
    /// When the unanswered ping was sent.
    pending: Option<Time>,
    /// When the next ping is due.
    next_ping: Option<Time>,
}

/// What an inbound frame meant to the heartbeat.
pub(crate) struct Seen {
    /// The ping's round-trip time, if this frame answered one.
    pub rtt: Option<Duration>,
    /// Whether the frame is the heartbeat's own and is not delivered.
    pub swallow: bool,
}

/// What the pong deadline's timer found.
pub(crate) enum Verdict {
    /// The deadline has passed with no answer: the link is dead.
    Dead,
    /// Not yet (the timer fired early): wait until then.
    NotYet(Time),
    /// Nothing is pending.
    Idle,
}

impl Heartbeat {
    /// Starts on open; returns when the first ping is due.
    pub fn start(&mut self, now: Time, config: &HeartbeatConfig) -> Time {
        let due = now + config.interval;
        *self = Heartbeat {
            pending: None,
            next_ping: Some(due),
        };
        due
    }

    pub fn stop(&mut self) {
        *self = Heartbeat::default();
    }

    /// When the next ping is due, unless one is pending.
    pub fn next_ping(&self) -> Option<Time> {
        if self.pending.is_some() {
            None
        } else {
            self.next_ping
        }
    }

    /// The pong deadline of the pending ping.
    pub fn deadline(&self, config: &HeartbeatConfig) -> Option<Time> {
        self.pending.map(|sent| sent + config.timeout)
    }

    /// The ping timer fired: whether to send a ping now (and the pong deadline),
    /// or when to look again.
    pub fn ping_due(&mut self, now: Time, config: &HeartbeatConfig) -> Result<Time, Option<Time>> {
        match (self.pending, self.next_ping) {
            (None, Some(due)) if now >= due => {
                self.pending = Some(now);
                self.next_ping = None;
                Ok(now + config.timeout)
            }
            (None, Some(due)) => Err(Some(due)),
            _ => Err(None),
        }
    }

    /// Sends a fresh probe whatever the schedule (after a page resume, when
    /// frames that arrived during the freeze may not have been seen yet).
    pub fn reprobe(&mut self, now: Time, config: &HeartbeatConfig) -> Time {
        self.pending = Some(now);
        self.next_ping = None;
        now + config.timeout
    }

    /// An inbound frame; `None` when the adapter holds its content (then only
    /// [`PongMatcher::Any`] can count it as the answer).
    pub fn on_frame(&mut self, now: Time, frame: Option<&Frame>, config: &HeartbeatConfig) -> Seen {
        let is_pong = match &config.pong {
            PongMatcher::Any => true,
            PongMatcher::Exact(pong) => frame == Some(pong),
        };
        let swallow = matches!(config.pong, PongMatcher::Exact(_)) && is_pong;
        let rtt = match self.pending {
            Some(sent) if is_pong => {
                self.pending = None;
                // The next ping keeps the rhythm of the last one.
                self.next_ping = Some((sent + config.interval).max(now));
                Some(now - sent)
            }
            _ => None,
        };
        Seen { rtt, swallow }
    }

    /// The pong timer fired.
    pub fn check(&self, now: Time, config: &HeartbeatConfig) -> Verdict {
        match self.deadline(config) {
            Some(deadline) if now >= deadline => Verdict::Dead,
            Some(deadline) => Verdict::NotYet(deadline),
            None => Verdict::Idle,
        }
    }
}
