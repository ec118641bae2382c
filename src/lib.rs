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

#[cfg(target_arch = "wasm32")]
mod api;
pub use steadysocket_engine as engine;
pub use steadysocket_engine::codec;
#[cfg(target_arch = "wasm32")]
use steadysocket_engine::text;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod web;

#[cfg(target_arch = "wasm32")]
pub use api::{
    Builder, ClosedError, Receiver, RecvError, SendError, Sender, Socket, DEFAULT_MAX_MESSAGE_SIZE,
};
pub use engine::{Event, SendOutcome, StateKind};
#[cfg(target_arch = "wasm32")]
pub use web::{diagnostics, Diagnostics};
