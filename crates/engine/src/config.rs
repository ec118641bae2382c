use core::fmt;
use core::time::Duration;

use super::backoff::Jitter;
use super::close_policy::{CloseInfo, Verdict};
use super::frame::Frame;
use crate::text::text;

/// Decides, from a close, whether to reconnect or stop. `None` keeps the
/// default verdict ([`default_verdict`](super::default_verdict)).
pub type CloseHook = Box<dyn FnMut(&CloseInfo) -> Option<Verdict>>;

/// Frames to send first on every open, before the outbox is flushed (an auth
/// token or a handshake, say).
pub type HandshakeHook = Box<dyn FnMut() -> Vec<Frame>>;

/// Everything the engine can be told. `Config::default()` is a sound start.
pub struct Config {
    /// Retry delays, caps and timeouts.
    pub backoff: BackoffConfig,
    /// The queue for messages sent while the link is down.
    pub outbox: OutboxConfig,
    /// Application-level pings; `None` (the default) sends none.
    pub heartbeat: Option<HeartbeatConfig>,
    /// When to hold sends back because the socket's send buffer is full.
    pub backpressure: BackpressureConfig,
    /// What to do while the page is hidden.
    pub hidden: HiddenPolicy,
    /// How long a user close waits for the server's answer before the socket is
    /// let go anyway (default 3 s).
    pub close_timeout: Duration,
    /// How often an open socket's `readyState` is looked at, to catch a
    /// server's close frame that no close event follows (default 1 s). The
    /// close is then reported within this plus `close_timeout`.
    pub socket_check: Duration,
    /// Overrides the default close-code table.
    pub close_hook: Option<CloseHook>,
    /// Frames sent first on every open.
    pub handshake: Option<HandshakeHook>,
}

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
            .finish()
    }
}

/// Retry delays, caps and timeouts.
#[derive(Clone, Debug, PartialEq)]
pub struct BackoffConfig {
    /// The first retry's delay ceiling; the floor for decorrelated jitter (default 2 s).
    pub initial: Duration,
    /// The largest delay ceiling (default 30 s).
    pub max: Duration,
    /// Growth per attempt (default 1.6, as gRPC).
    pub multiplier: f64,
    /// How delays are randomised (default [`Jitter::Decorrelated`]).
    pub jitter: Jitter,
    /// Retries after a failure before giving up; `None` retries for ever.
    pub max_retries: Option<u32>,
    /// Give up when an episode of failures has lasted this long; `None` never.
    pub budget: Option<Duration>,
    /// A connection that stays open this long resets the retry counter (default 5 s).
    pub min_uptime: Duration,
    /// An attempt that has not opened by then is abandoned (default 10 s).
    pub connect_timeout: Duration,
    /// The delay range after close 1012 or 1013 (default 5 to 30 s).
    pub restart_delay: (Duration, Duration),
    /// Whether failures of the very first connection are retried (default true).
    pub retry_first_connect: bool,
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
        }
    }
}

/// What the outbox does when it is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// The send fails with [`SendError::OutboxFull`](super::SendError::OutboxFull),
    /// handing the message back (the default).
    Reject,
    /// The oldest queued messages make room; each is reported dropped.
    DropOldest,
    /// The new message is reported dropped.
    DropNewest,
}

/// The queue for messages sent while the link is down.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxConfig {
    /// At most this many messages (default 1000).
    pub max_messages: usize,
    /// At most this many payload bytes (default 1 MiB).
    pub max_bytes: usize,
    /// While the socket is open, messages held back by backpressure wait in
    /// the same queue, bounded by this many bytes instead of the two limits
    /// above, which are meant for the link being down (default 16 MiB: an
    /// open socket takes what it can send; this only stops a runaway
    /// producer).
    pub max_held_bytes: usize,
    /// What happens when a message does not fit.
    pub overflow: Overflow,
    /// Queued messages older than this expire, reported; `None` keeps them.
    /// A send may set its own.
    pub ttl: Option<Duration>,
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

/// What counts as the answer to a heartbeat ping.
#[derive(Clone, Debug, PartialEq)]
pub enum PongMatcher {
    /// Any inbound frame proves the link alive (the default). Frames are still
    /// delivered.
    Any,
    /// Only this exact frame; it is swallowed, not delivered.
    Exact(Frame),
}

/// Application-level pings: browsers give scripts no access to protocol pings.
#[derive(Clone, Debug, PartialEq)]
pub struct HeartbeatConfig {
    /// Time between pings (default 25 s).
    pub interval: Duration,
    /// A ping unanswered for this long means the link is dead (default 10 s).
    pub timeout: Duration,
    /// The frame sent as a ping (default the text `ping`).
    pub ping: Frame,
    /// What counts as the answer.
    pub pong: PongMatcher,
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

/// When sends are held back for a full send buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct BackpressureConfig {
    /// Hold sends while the socket's `bufferedAmount` is above this (default 1 MiB).
    pub high_watermark: u64,
    /// Release them when it falls to this (default 256 KiB).
    pub low_watermark: u64,
    /// How often to look at `bufferedAmount` while held (default 50 ms).
    pub poll: Duration,
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

/// What to do while the page is hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenPolicy {
    /// Keep the connection (the default).
    Keep,
    /// Close it after the page has been hidden this long; reconnect when visible.
    CloseAfter(Duration),
}

/// An option with a value that cannot work.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        if let HiddenPolicy::CloseAfter(d) = self.hidden {
            check(!d.is_zero(), "hidden", || {
                "the close-after delay must be above zero".into()
            })?;
        }
        Ok(())
    }
}
