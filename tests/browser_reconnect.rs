//! What is tested here, in headless Chromium and Firefox: the reconnect cases
//! in tests/common/reconnect_cases.rs (drops with the outbox delivered in
//! order, close codes 1000/1008/1012/4xxx, user close and reconnect(),
//! refused upgrades within the backoff bounds, heartbeat on a black hole).
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

all_reconnect_cases!();
