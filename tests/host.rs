//! The Rust API on the host (no wasm32 target): it compiles, so that `cargo
//! check`, rust-analyzer and docs see it, and connecting is a typed error
//! saying why, never a panic. Options are still checked first.
#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use steadysocket::{BackoffConfig, Builder, ConnectError};

#[test]
fn connecting_on_the_host_is_a_typed_error_that_names_wasm32() {
    let error = Builder::<String>::new("wss://example.com/")
        .connect()
        .err()
        .expect("no socket on the host");
    assert_eq!(error, ConnectError::NotWasm);
    assert!(error.to_string().contains("wasm32"), "{error}");
}

#[test]
fn options_that_do_not_fit_are_reported_before_the_target() {
    let mut backoff = BackoffConfig::default();
    backoff
        .set_initial(Duration::from_secs(60))
        .set_max(Duration::from_secs(1));
    let error = Builder::<String>::new("wss://example.com/")
        .backoff(backoff)
        .connect()
        .err()
        .expect("refused");
    assert!(matches!(error, ConnectError::Config(_)), "{error:?}");
}
