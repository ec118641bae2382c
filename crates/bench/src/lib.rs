//! Benchmark entry points for the Rust API (built only by `scripts/bench.sh`;
//! not in the npm package). The JS side times them.
#![cfg(target_arch = "wasm32")]

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use steadysocket::Builder;

/// The benchmark's message: about 100 bytes of JSON.
#[derive(Serialize, Deserialize)]
struct Msg {
    id: u64,
    t: f64,
    payload: String,
}

fn error(e: impl core::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`, called as directly as the JS clients call it: the
    /// loop reads the clock once per message.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now() -> f64;
}

/// Echo throughput: `window` messages in flight for `duration_ms`; returns the
/// number of typed messages received back.
#[wasm_bindgen(js_name = benchRustEcho)]
pub async fn bench_rust_echo(
    url: String,
    duration_ms: f64,
    window: u32,
    payload: String,
) -> Result<f64, JsValue> {
    let mut socket = Builder::<Msg>::new(url).connect().map_err(error)?;
    socket.opened().await.map_err(error)?;
    for id in 1..=u64::from(window) {
        socket
            .try_send(Msg {
                id,
                t: 0.0,
                payload: payload.clone(),
            })
            .map_err(error)?;
    }
    let end = now() + duration_ms;
    let mut received = 0.0;
    while now() < end {
        match socket.next().await {
            Some(Ok(msg)) => {
                received += 1.0;
                socket
                    .try_send(Msg {
                        id: msg.id + u64::from(window),
                        t: 0.0,
                        payload: msg.payload,
                    })
                    .map_err(error)?;
            }
            Some(Err(e)) => return Err(error(e)),
            None => return Err(error("closed")),
        }
    }
    Ok(received)
}

/// Round-trip times (ms) of `samples` messages sent one at a time.
#[wasm_bindgen(js_name = benchRustLatency)]
pub async fn bench_rust_latency(
    url: String,
    samples: u32,
    payload: String,
) -> Result<Vec<f64>, JsValue> {
    let mut socket = Builder::<Msg>::new(url).connect().map_err(error)?;
    socket.opened().await.map_err(error)?;
    let mut rtts = Vec::with_capacity(samples as usize);
    for id in 0..u64::from(samples) {
        let t = now();
        socket
            .try_send(Msg {
                id,
                t,
                payload: payload.clone(),
            })
            .map_err(error)?;
        match socket.next().await {
            Some(Ok(msg)) => rtts.push(now() - msg.t),
            Some(Err(e)) => return Err(error(e)),
            None => return Err(error("closed")),
        }
        gloo_timers::future::TimeoutFuture::new(2).await;
    }
    Ok(rtts)
}

/// The receive path without the network: the socket is built on a fake
/// `WebSocket` (`constructor`); once it is open, `deliver()` makes the fake
/// dispatch `n` message events, and each is decoded into the typed message.
/// Returns the milliseconds from the delivery to the last message decoded.
#[wasm_bindgen(js_name = benchRustReceive)]
pub async fn bench_rust_receive(
    constructor: js_sys::Function,
    deliver: js_sys::Function,
    n: u32,
) -> Result<f64, JsValue> {
    let mut socket = Builder::<Msg>::new("ws://fake/")
        .websocket_constructor(constructor)
        .connect()
        .map_err(error)?;
    socket.opened().await.map_err(error)?;
    let start = now();
    deliver.call0(&JsValue::NULL)?;
    for _ in 0..n {
        match socket.next().await {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(error(e)),
            None => return Err(error("closed")),
        }
    }
    Ok(now() - start)
}

/// The send path without the network: `n` typed messages encoded and handed
/// to an open fake `WebSocket`. Returns the milliseconds it took.
#[wasm_bindgen(js_name = benchRustSend)]
pub async fn bench_rust_send(
    constructor: js_sys::Function,
    n: u32,
    payload: String,
) -> Result<f64, JsValue> {
    let socket = Builder::<Msg>::new("ws://fake/")
        .websocket_constructor(constructor)
        .backpressure({
            let mut b = steadysocket::engine::BackpressureConfig::default();
            b.set_high_watermark(u64::MAX).set_low_watermark(0);
            b
        })
        .connect()
        .map_err(error)?;
    socket.opened().await.map_err(error)?;
    let start = now();
    for id in 0..u64::from(n) {
        socket
            .try_send(Msg {
                id,
                t: 0.0,
                payload: payload.clone(),
            })
            .map_err(error)?;
    }
    Ok(now() - start)
}

// The npm package's allocator, as before the bench had a crate of its own, so
// that the Rust API's figures stay comparable from run to run.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
