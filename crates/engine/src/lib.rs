//! The sans-IO connection engine.
//!
//! [`Engine`] decides when to connect, when to give up, what happens to
//! messages while the link is down, and when a silent link is dead. It owns no
//! socket, no timer and no JS value: it takes [`Input`]s with the current
//! [`Time`] and returns [`Command`]s. The web adapter turns those commands into
//! browser calls; the tests drive it with a fake clock.
//!
//! ```
//! use steadysocket_engine::{Command, Config, Endpoint, Engine, Input, StateKind, Time};
//!
//! let mut engine = Engine::new(Config::default(), 42);
//! engine.handle(Time::ZERO, Input::Connect);
//! // The engine asks for the URL of the first attempt...
//! let socket = engine
//!     .drain_commands()
//!     .find_map(|c| match c {
//!         Command::Resolve { socket, attempt: 0 } => Some(socket),
//!         _ => None,
//!     })
//!     .unwrap();
//! let endpoint = Endpoint::new("wss://example.com/live", vec![]);
//! engine.handle(Time::ZERO, Input::Resolved { socket, result: Ok(endpoint.clone()) });
//! // ...then to open a socket there.
//! assert_eq!(engine.poll_command(), Some(Command::Open { socket, endpoint }));
//! engine.handle(Time::from_millis(80), Input::Opened { socket, protocol: String::new() });
//! assert_eq!(engine.state().kind(), StateKind::Open);
//! ```
//!
//! # Driving an engine
//!
//! An adapter (the web adapter in the `steadysocket` crate, or a test's fake
//! world) owns the platform objects and keeps one rule: **after every call
//! that takes `now`, drain the commands** ([`Engine::poll_command`] until it
//! returns `None`) and carry each out in order. The calls:
//!
//! - [`Engine::handle`]`(now, input)` for everything that happened: the app's
//!   wish to connect, a socket's open, frame, error or close, a timer that
//!   fired, an answer to a command ([`Input::Resolved`],
//!   [`Input::BufferedAmount`]). Inputs about a [`SocketId`] that is no longer
//!   current are ignored, so late platform events need no filtering.
//! - [`Engine::send`], [`Engine::close`] and [`Engine::reconnect`] for the
//!   app's own calls; `send` answers at once ([`SendOutcome`] or
//!   [`SubmitError`]) and may also leave commands to carry out.
//!
//! What the commands ask ([`Command`]): resolve the URL of an attempt and
//! answer with `Input::Resolved`; open a socket ([`Command::Open`]) and
//! report what it does; transmit, close or discard a socket; set or cancel a
//! [`Timer`] and feed `Input::Timer` back when it is due; report the
//! socket's buffered amount; deliver a frame to the app; emit an [`Event`].
//! [`Engine::timers`] lists the armed timers, for an adapter that polls
//! deadlines rather than keeping one platform timer per [`Timer`].
//!
//! `now` never goes backwards (a monotonic clock; the tests use a fake one).
//! The engine never panics on any order of inputs (the property tests feed
//! it random ones), and never blocks: it holds no socket, no timer and no
//! waker.
//!
//! Enums and settings are `#[non_exhaustive]` and settings change through
//! accessors, so that a new input, command, event or option is not a
//! breaking change.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backoff;
mod close_policy;
pub mod codec;
mod config;
mod errors;
mod frame;
mod heartbeat;
mod io;
mod machine;
mod outbox;
mod ports;
pub mod resume;
mod state;
#[doc(hidden)]
pub mod text;
mod time;

pub use backoff::{Backoff, BackoffStrategy, Jitter, Random};
pub use close_policy::{default_verdict, CloseInfo, Initiator, Verdict};
pub use config::{
    BackoffConfig, BackpressureConfig, CloseHook, Config, ConfigError, HandshakeHook,
    HeartbeatConfig, HiddenPolicy, OutboxConfig, Overflow, PongMatcher, ResumeConfig,
};
pub use frame::{Frame, Payload};
pub use io::{
    Allowance, Command, DropReason, Endpoint, ErrorKind, Event, FrameNeed, Input, OpenError, Timer,
};
pub use machine::{CloseError, Engine, SendOutcome, SubmitError};
#[doc(hidden)]
pub use outbox::insert_by_id;
pub use outbox::{MessageId, MAX_QUEUED};
pub use ports::blocked_port;
pub use state::{
    ClosedReason, GiveUp, PauseReason, Phase, ResumeStats, SocketId, State, StateKind,
};
pub use time::Time;

/// The close code the client sends when the heartbeat finds a dead link.
pub const CLOSE_HEARTBEAT_TIMEOUT: u16 = 4000;
/// The close code the client sends when a connect attempt times out.
pub const CLOSE_CONNECT_TIMEOUT: u16 = 4001;
