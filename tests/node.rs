//! What is tested here, in Node 22 (global WebSocket, no window): the same
//! cases as browser_api.rs and browser_reconnect.rs, from tests/common/.
#![cfg(target_arch = "wasm32")]

mod common;

all_api_cases!();
all_resume_cases!();
all_reconnect_cases!();
