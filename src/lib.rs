//! steadysocket: a WebSocket client for browsers and edge runtimes that stays
//! connected.
//!
//! It wraps the platform's own `WebSocket` and adds what every real-time front
//! end ends up writing by hand: typed messages, an async receive stream,
//! reconnects with jittered backoff, a bounded outbox while offline,
//! heartbeats that catch dead links, and close codes that are honoured.
//!
//! - [`engine`]: the sans-IO connection engine (state machine, backoff, close
//!   policy, outbox, heartbeat). No platform code; tested natively.
//! - [`codec`]: JSON (default), MessagePack (feature `msgpack`), raw frames.
//! - On `wasm32`: [`Builder`] and [`Socket`], the Rust API over the platform
//!   `WebSocket`, and the JavaScript API that the npm package exports.
//!
//! A socket is built with [`Builder`] and used as a [`futures::Stream`] of
//! typed messages plus an async `send`; see [`Builder`] for an example.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
pub use steadysocket_engine as engine;
pub use steadysocket_engine::codec;
use steadysocket_engine::text;
#[doc(hidden)]
pub mod web;

pub use api::{
    AckError, Builder, ClosedError, ConnectError, Receiver, RecvError, SendError, Sender, Socket,
    DEFAULT_MAX_MESSAGE_SIZE,
};
pub use engine::{Event, SendOutcome, StateKind};
// What building and using a socket takes, at the root (the engine's other
// types stay under `engine`).
#[cfg(feature = "msgpack")]
#[cfg_attr(docsrs, doc(cfg(feature = "msgpack")))]
pub use codec::MessagePack;
pub use codec::{Decode, DecodeError, Encode, EncodeError, Json, Raw};
pub use engine::{
    BackoffConfig, BackoffStrategy, BackpressureConfig, CloseError, CloseInfo, ClosedReason,
    ConfigError, DropReason, Frame, GiveUp, HeartbeatConfig, HiddenPolicy, Jitter, MessageId,
    OutboxConfig, Overflow, PongMatcher, ResumeConfig, ResumeStats, Verdict,
};
pub use web::{diagnostics, Diagnostics};

/// The crate README's examples, compiled by `cargo test --doc` on any target.
#[cfg(doctest)]
#[doc = include_str!("README.md")]
pub struct ReadmeExamples;
