//! steadysocket: a WebSocket client for browsers and edge runtimes that stays
//! connected.
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod js;

pub mod engine;
