//! What is tested here, alone in its own page: 200 connect/drop cycles leave
//! no listener, timer, socket or wasm memory behind (bounds below), and
//! dropping the socket frees everything.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::{control, scope, wait_for, ws_url};
use steadysocket::engine::BackoffConfig;
use steadysocket::{diagnostics, Builder, Diagnostics, Event, StateKind};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CYCLES: usize = 200;
/// wasm memory may grow by at most this much over the cycles (it grows in
/// 64 KiB pages; the allocator keeps some slack).
const MEMORY_BOUND: f64 = 1024.0 * 1024.0;

fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

#[wasm_bindgen_test]
async fn two_hundred_connect_drop_cycles_leak_nothing() {
    let test = scope("leaks");
    let backoff = {
        let mut c = BackoffConfig::default();
        c.set_initial(Duration::from_millis(5))
            .set_max(Duration::from_millis(20));
        c
    };
    let socket = Builder::<serde_json::Value>::new(ws_url("/echo", &test))
        .backoff(backoff)
        .connect()
        .unwrap();
    let mut events = socket.events();
    // The first open, through the event stream, so that every Open seen in the
    // loop is a reconnect.
    wait_for(&mut events, 5000, "open", |e| {
        matches!(e, Event::State(StateKind::Open)).then_some(())
    })
    .await;
    let before = diagnostics();
    let memory_before = memory_bytes();
    for cycle in 0..CYCLES {
        control("drop", &test, "").await;
        wait_for(&mut events, 5000, &format!("reopen {cycle}"), |e| {
            matches!(e, Event::State(StateKind::Open)).then_some(())
        })
        .await;
    }
    let after = diagnostics();
    let grown = memory_bytes() - memory_before;
    assert_eq!(after.sockets, 1, "{after:?}");
    assert_eq!(
        after.listeners, before.listeners,
        "listeners leaked: {before:?} -> {after:?}"
    );
    assert!(
        after.timers <= before.timers + 1,
        "timers leaked: {before:?} -> {after:?}"
    );
    assert!(
        grown <= MEMORY_BOUND,
        "wasm memory grew by {grown} bytes over {CYCLES} cycles"
    );
    let stats = common::report("stats", &test).await;
    assert_eq!(
        stats["endpoints"]["/echo"]["accepted"].as_u64(),
        Some(CYCLES as u64 + 1)
    );

    drop(events);
    drop(socket);
    assert_eq!(
        diagnostics(),
        Diagnostics::default(),
        "dropping the socket must free everything"
    );
}
