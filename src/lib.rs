//! steadysocket: a WebSocket client for browsers and edge runtimes that stays
//! connected.
#![deny(missing_docs)]
