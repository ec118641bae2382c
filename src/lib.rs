//! steadysocket: a WebSocket client for browsers and edge runtimes that stays
//! connected.
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod js;

#[cfg(target_arch = "wasm32")]
mod api;
pub mod codec;
pub mod engine;
#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use api::{
    Builder, ClosedError, Receiver, RecvError, SendError, Sender, Socket, DEFAULT_MAX_MESSAGE_SIZE,
};
pub use engine::{Event, SendOutcome, StateKind};
#[cfg(target_arch = "wasm32")]
pub use web::{diagnostics, Diagnostics};
