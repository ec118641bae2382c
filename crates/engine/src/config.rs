use core::fmt;
use core::time::Duration;

use std::rc::Rc;

use super::backoff::{BackoffStrategy, Jitter};
use super::close_policy::{CloseInfo, Verdict};
use super::frame::Frame;
use crate::text::text;

/// Decides, from a close, whether to reconnect or stop. `None` keeps the
/// default verdict ([`default_verdict`](super::default_verdict)).
pub type CloseHook = Box<dyn FnMut(&CloseInfo) -> Option<Verdict>>;

/// Frames to send first on every open, before the outbox is flushed (an auth
/// token or a handshake, say).
pub type HandshakeHook = Box<dyn FnMut() -> Vec<Frame>>;

/// Sets a field of a settings struct: `$set(&mut self, value) -> &mut Self`,
/// and reads it: `$field(&self) -> T` (a copy, or a clone). The fields stay
/// private, so that a new setting is not a breaking change.
macro_rules! accessors {
    ($ty:ident { $( $(#[doc = $doc:literal])* $field:ident / $set:ident : $t:ty ),* $(,)? }) => {
        impl $ty {
            $(
                $(#[doc = $doc])*
                pub fn $field(&self) -> $t {
                    self.$field.clone()
                }

                #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
                pub fn $set(&mut self, value: $t) -> &mut Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

/// Everything the engine can be told. `Config::default()` is a sound start;
/// each part is read and changed through its accessors:
///
/// ```
/// use core::time::Duration;
/// use steadysocket_engine::{Config, HeartbeatConfig};
///
/// let mut config = Config::default();
/// config
///     .backoff_mut()
///     .set_initial(Duration::from_millis(500))
///     .set_max_retries(Some(10));
/// config.set_heartbeat(Some(HeartbeatConfig::default()));
/// assert!(config.validate().is_ok());
/// assert_eq!(config.backoff().max_retries(), Some(10));
/// ```
#[non_exhaustive]
pub struct Config {
    pub(crate) backoff: BackoffConfig,
    pub(crate) outbox: OutboxConfig,
    pub(crate) heartbeat: Option<HeartbeatConfig>,
    pub(crate) backpressure: BackpressureConfig,
    pub(crate) hidden: HiddenPolicy,
    pub(crate) close_timeout: Duration,
    pub(crate) socket_check: Duration,
    pub(crate) close_hook: Option<CloseHook>,
    pub(crate) handshake: Option<HandshakeHook>,
    pub(crate) direct_sends: bool,
    pub(crate) resume: Option<ResumeConfig>,
}

impl Config {
    /// Retry delays, caps and timeouts.
    pub fn backoff(&self) -> &BackoffConfig {
        &self.backoff
    }

    /// Changes [`backoff`](Self::backoff) in place.
    pub fn backoff_mut(&mut self) -> &mut BackoffConfig {
        &mut self.backoff
    }

    /// Sets [`backoff`](Self::backoff).
    pub fn set_backoff(&mut self, value: BackoffConfig) -> &mut Self {
        self.backoff = value;
        self
    }

    /// The queue for messages sent while the link is down.
    pub fn outbox(&self) -> &OutboxConfig {
        &self.outbox
    }

    /// Changes [`outbox`](Self::outbox) in place.
    pub fn outbox_mut(&mut self) -> &mut OutboxConfig {
        &mut self.outbox
    }

    /// Sets [`outbox`](Self::outbox).
    pub fn set_outbox(&mut self, value: OutboxConfig) -> &mut Self {
        self.outbox = value;
        self
    }

    /// When to hold sends back because the socket's send buffer is full.
    pub fn backpressure(&self) -> &BackpressureConfig {
        &self.backpressure
    }

    /// Changes [`backpressure`](Self::backpressure) in place.
    pub fn backpressure_mut(&mut self) -> &mut BackpressureConfig {
        &mut self.backpressure
    }

    /// Sets [`backpressure`](Self::backpressure).
    pub fn set_backpressure(&mut self, value: BackpressureConfig) -> &mut Self {
        self.backpressure = value;
        self
    }

    /// Application-level pings; `None` (the default) sends none.
    pub fn heartbeat(&self) -> Option<&HeartbeatConfig> {
        self.heartbeat.as_ref()
    }

    /// Sets [`heartbeat`](Self::heartbeat).
    pub fn set_heartbeat(&mut self, value: Option<HeartbeatConfig>) -> &mut Self {
        self.heartbeat = value;
        self
    }

    /// Sets the hook that overrides the default close-code table.
    pub fn set_close_hook(&mut self, value: Option<CloseHook>) -> &mut Self {
        self.close_hook = value;
        self
    }

    /// Sets the hook whose frames are sent first on every open.
    pub fn set_handshake(&mut self, value: Option<HandshakeHook>) -> &mut Self {
        self.handshake = value;
        self
    }

    /// The resume protocol (docs/PROTOCOL.md); `None` (the default) is
    /// plain WebSocket.
    pub fn resume(&self) -> Option<&ResumeConfig> {
        self.resume.as_ref()
    }

    /// Sets [`resume`](Self::resume).
    pub fn set_resume(&mut self, value: Option<ResumeConfig>) -> &mut Self {
        self.resume = value;
        self
    }
}

accessors!(Config {
    /// What to do while the page is hidden.
    hidden / set_hidden: HiddenPolicy,
    /// How long a user close waits for the server's answer before the socket
    /// is let go anyway (default 3 s).
    close_timeout / set_close_timeout: Duration,
    /// How often an open socket's `readyState` is looked at, to catch a
    /// server's close frame that no close event follows (default 1 s). The
    /// close is then reported within this plus `close_timeout`.
    socket_check / set_socket_check: Duration,
    /// Whether the adapter sends messages straight to the open socket itself
    /// while the engine allows it ([`Command::Direct`](crate::Command::Direct),
    /// [`Input::SentDirectly`](crate::Input::SentDirectly)); default false.
    direct_sends / set_direct_sends: bool,
});

impl Default for Config {
    fn default() -> Config {
        Config {
            backoff: BackoffConfig::default(),
            outbox: OutboxConfig::default(),
            heartbeat: None,
            backpressure: BackpressureConfig::default(),
            hidden: HiddenPolicy::Keep,
            close_timeout: Duration::from_secs(3),
            socket_check: Duration::from_secs(1),
            close_hook: None,
            handshake: None,
            direct_sends: false,
            resume: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("backoff", &self.backoff)
            .field("outbox", &self.outbox)
            .field("heartbeat", &self.heartbeat)
            .field("backpressure", &self.backpressure)
            .field("hidden", &self.hidden)
            .field("close_timeout", &self.close_timeout)
            .field("socket_check", &self.socket_check)
            .field("close_hook", &self.close_hook.is_some())
            .field("handshake", &self.handshake.is_some())
            .field("direct_sends", &self.direct_sends)
            .field("resume", &self.resume)
            .finish()
    }
}

/// Retry delays, caps and timeouts.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BackoffConfig {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
    pub(crate) multiplier: f64,
    pub(crate) jitter: Jitter,
    pub(crate) max_retries: Option<u32>,
    pub(crate) budget: Option<Duration>,
    pub(crate) min_uptime: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) restart_delay: (Duration, Duration),
    pub(crate) retry_first_connect: bool,
    pub(crate) strategy: Option<Rc<dyn BackoffStrategy>>,
}

impl Default for BackoffConfig {
    fn default() -> BackoffConfig {
        BackoffConfig {
            // Decorrelated jitter from 2 s: the first retry lands in 2..6 s. The
            // herd simulation (crates/engine/tests/storm.rs) shows why: 10,000 clients
            // dropped together peak at 3.4 % per 100 ms, where full jitter from
            // 1 s peaks at 17 % (instant failures pile up near zero).
            initial: Duration::from_secs(2),
            max: Duration::from_secs(30),
            multiplier: 1.6,
            jitter: Jitter::Decorrelated,
            max_retries: None,
            budget: None,
            min_uptime: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(10),
            restart_delay: (Duration::from_secs(5), Duration::from_secs(30)),
            retry_first_connect: true,
            strategy: None,
        }
    }
}

impl PartialEq for BackoffConfig {
    fn eq(&self, other: &BackoffConfig) -> bool {
        let same_strategy = match (&self.strategy, &other.strategy) {
            (None, None) => true,
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            _ => false,
        };
        same_strategy
            && self.initial == other.initial
            && self.max == other.max
            && self.multiplier == other.multiplier
            && self.jitter == other.jitter
            && self.max_retries == other.max_retries
            && self.budget == other.budget
            && self.min_uptime == other.min_uptime
            && self.connect_timeout == other.connect_timeout
            && self.restart_delay == other.restart_delay
            && self.retry_first_connect == other.retry_first_connect
    }
}

accessors!(BackoffConfig {
    /// A strategy of your own for the delays, in place of
    /// [`jitter`](Self::jitter)'s (default `None`); see [`BackoffStrategy`].
    strategy / set_strategy: Option<Rc<dyn BackoffStrategy>>,
    /// The base of the retry delays, not the first delay itself: the first
    /// retry's ceiling for full and equal jitter, and for decorrelated jitter
    /// (the default) the floor, the first retry drawn from `initial` to three
    /// times it (default 2 s).
    initial / set_initial: Duration,
    /// The largest delay ceiling (default 30 s).
    max / set_max: Duration,
    /// Growth per attempt (default 1.6, as gRPC).
    multiplier / set_multiplier: f64,
    /// How delays are randomised (default [`Jitter::Decorrelated`]).
    jitter / set_jitter: Jitter,
    /// Retries after a failure before giving up; `None` retries for ever.
    max_retries / set_max_retries: Option<u32>,
    /// Give up when an episode of failures has lasted this long; `None` never.
    budget / set_budget: Option<Duration>,
    /// A connection that stays open this long resets the retry counter (default 5 s).
    min_uptime / set_min_uptime: Duration,
    /// An attempt that has not opened by then is abandoned (default 10 s).
    connect_timeout / set_connect_timeout: Duration,
    /// The delay range after close 1012 or 1013 (default 5 to 30 s).
    restart_delay / set_restart_delay: (Duration, Duration),
    /// Whether failures of the very first connection are retried (default true).
    retry_first_connect / set_retry_first_connect: bool,
});

/// What the outbox does when it is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Overflow {
    /// The send fails with [`SubmitError::OutboxFull`](super::SubmitError::OutboxFull),
    /// handing the message back (the default).
    Reject,
    /// The oldest queued messages make room; each is reported dropped.
    DropOldest,
    /// The new message is reported dropped.
    DropNewest,
}

/// The queue for messages sent while the link is down.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OutboxConfig {
    pub(crate) max_messages: usize,
    pub(crate) max_bytes: usize,
    pub(crate) max_held_bytes: usize,
    pub(crate) overflow: Overflow,
    pub(crate) ttl: Option<Duration>,
}

impl Default for OutboxConfig {
    fn default() -> OutboxConfig {
        OutboxConfig {
            max_messages: 1000,
            max_bytes: 1 << 20,
            max_held_bytes: 16 << 20,
            overflow: Overflow::Reject,
            ttl: None,
        }
    }
}

accessors!(OutboxConfig {
    /// At most this many messages (default 1000).
    max_messages / set_max_messages: usize,
    /// At most this many payload bytes (default 1 MiB).
    max_bytes / set_max_bytes: usize,
    /// While the socket is open, messages held back by backpressure wait in
    /// the same queue, bounded by this many bytes instead of the two limits
    /// above, which are meant for the link being down (default 16 MiB: an
    /// open socket takes what it can send; this only stops a runaway
    /// producer).
    max_held_bytes / set_max_held_bytes: usize,
    /// What happens when a message does not fit.
    overflow / set_overflow: Overflow,
    /// Queued messages older than this expire, reported; `None` keeps them.
    /// A send may set its own.
    ttl / set_ttl: Option<Duration>,
});

/// What counts as the answer to a heartbeat ping.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PongMatcher {
    /// Any inbound frame proves the link alive (the default). Frames are still
    /// delivered.
    Any,
    /// Only this exact frame; it is swallowed, not delivered.
    Exact(Frame),
}

/// Application-level pings: browsers give scripts no access to protocol pings.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct HeartbeatConfig {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) ping: Frame,
    pub(crate) pong: PongMatcher,
}

impl Default for HeartbeatConfig {
    fn default() -> HeartbeatConfig {
        HeartbeatConfig {
            interval: Duration::from_secs(25),
            timeout: Duration::from_secs(10),
            ping: Frame::Text("ping".into()),
            pong: PongMatcher::Any,
        }
    }
}

accessors!(HeartbeatConfig {
    /// Time between pings (default 25 s).
    interval / set_interval: Duration,
    /// A ping unanswered for this long means the link is dead (default 10 s).
    timeout / set_timeout: Duration,
    /// The frame sent as a ping (default the text `ping`).
    ping / set_ping: Frame,
    /// What counts as the answer.
    pong / set_pong: PongMatcher,
});

/// The resume protocol's client settings: how much it keeps for replay, and
/// how often it acknowledges.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ResumeConfig {
    pub(crate) max_unacked_messages: usize,
    pub(crate) max_unacked_bytes: usize,
    pub(crate) ack_every: u32,
    pub(crate) ack_delay: Duration,
}

impl Default for ResumeConfig {
    fn default() -> ResumeConfig {
        ResumeConfig {
            max_unacked_messages: 1000,
            max_unacked_bytes: 1 << 20,
            ack_every: 128,
            ack_delay: Duration::from_millis(100),
        }
    }
}

accessors!(ResumeConfig {
    /// Messages sent and not yet acknowledged, at most (default 1000): past
    /// it, further sends wait in the outbox, under its bounds and overflow
    /// policy, until acknowledgements make room.
    max_unacked_messages / set_max_unacked_messages: usize,
    /// Payload bytes sent and not yet acknowledged, at most (default 1 MiB);
    /// a single message larger than this still goes, alone.
    max_unacked_bytes / set_max_unacked_bytes: usize,
    /// Acknowledge after this many received messages at most (default 128;
    /// a ping from the server asks for the ack at once).
    ack_every / set_ack_every: u32,
    /// Acknowledge a received message within this long at most (default
    /// 100 ms).
    ack_delay / set_ack_delay: Duration,
});

/// When sends are held back for a full send buffer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BackpressureConfig {
    pub(crate) high_watermark: u64,
    pub(crate) low_watermark: u64,
    pub(crate) poll: Duration,
}

impl Default for BackpressureConfig {
    fn default() -> BackpressureConfig {
        BackpressureConfig {
            high_watermark: 1 << 20,
            low_watermark: 256 << 10,
            poll: Duration::from_millis(50),
        }
    }
}

accessors!(BackpressureConfig {
    /// Hold sends while the socket's `bufferedAmount` is above this (default 1 MiB).
    high_watermark / set_high_watermark: u64,
    /// Release them when it falls to this (default 256 KiB).
    low_watermark / set_low_watermark: u64,
    /// How often to look at `bufferedAmount` while held (default 50 ms).
    poll / set_poll: Duration,
});

/// What to do while the page is hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HiddenPolicy {
    /// Keep the connection (the default).
    Keep,
    /// Close it after the page has been hidden this long; reconnect when visible.
    CloseAfter(Duration),
}

/// An option with a value that cannot work.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// The option, as a path such as `backoff.multiplier`.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text!("invalid option ", self.field, ": ", self.message))
    }
}

impl std::error::Error for ConfigError {}

/// Whole milliseconds, saturating (a message needs no more).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn check(
    ok: bool,
    field: &'static str,
    message: impl FnOnce() -> String,
) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            message: message(),
        })
    }
}

impl Config {
    /// Checks every option; the first bad one is reported.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let b = &self.backoff;
        check(b.initial <= b.max, "backoff.initial", || {
            text!(
                millis(b.initial),
                " ms is larger than the maximum delay, ",
                millis(b.max),
                " ms"
            )
        })?;
        check(
            b.multiplier.is_finite() && b.multiplier >= 1.0,
            "backoff.multiplier",
            || {
                // No float formatting here: it would add its whole machinery to the wasm.
                "must be a finite number of at least 1".into()
            },
        )?;
        if let Jitter::Proportional(x) = b.jitter {
            check(
                x.is_finite() && (0.0..=1.0).contains(&x),
                "backoff.jitter",
                || "a proportional jitter must lie in 0..=1".into(),
            )?;
        }
        check(
            !b.connect_timeout.is_zero(),
            "backoff.connect_timeout",
            || "must be above zero".into(),
        )?;
        check(
            b.restart_delay.0 <= b.restart_delay.1,
            "backoff.restart_delay",
            || {
                let (low, high) = b.restart_delay;
                text!(
                    "the range ",
                    millis(low),
                    " ms..",
                    millis(high),
                    " ms is reversed"
                )
            },
        )?;
        let o = &self.outbox;
        check(
            o.max_bytes > 0 || o.max_messages == 0,
            "outbox.max_bytes",
            || "must be above zero when the outbox holds messages".into(),
        )?;
        if let Some(h) = &self.heartbeat {
            check(!h.interval.is_zero(), "heartbeat.interval", || {
                "must be above zero".into()
            })?;
            check(!h.timeout.is_zero(), "heartbeat.timeout", || {
                "must be above zero".into()
            })?;
        }
        #[cfg(not(feature = "resume"))]
        check(self.resume.is_none(), "resume", || {
            "the resume protocol needs the crate feature `resume`".into()
        })?;
        if let Some(r) = &self.resume {
            check(
                r.max_unacked_messages > 0,
                "resume.max_unacked_messages",
                || "must be above zero".into(),
            )?;
            check(r.ack_every > 0, "resume.ack_every", || {
                "must be above zero".into()
            })?;
        }
        let p = &self.backpressure;
        check(
            p.low_watermark <= p.high_watermark,
            "backpressure.low_watermark",
            || {
                text!(
                    p.low_watermark,
                    " is above the high watermark ",
                    p.high_watermark
                )
            },
        )?;
        check(!p.poll.is_zero(), "backpressure.poll", || {
            "must be above zero".into()
        })?;
        check(!self.socket_check.is_zero(), "socket_check", || {
            "must be above zero".into()
        })?;
        if let HiddenPolicy::CloseAfter(d) = self.hidden {
            check(!d.is_zero(), "hidden", || {
                "the close-after delay must be above zero".into()
            })?;
        }
        Ok(())
    }
}
