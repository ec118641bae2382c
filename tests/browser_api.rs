//! What is tested here, in headless Chromium and Firefox: the Rust API's cases
//! in tests/common/api_cases.rs (typed round trips with each codec, the first
//! message, malformed and oversized frames, invalid URLs and blocked ports,
//! per-socket jitter).
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

all_api_cases!();
all_resume_cases!();
