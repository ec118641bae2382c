//! The wasm-bindgen facade: what the npm package's JavaScript classes stand
//! on. `SocketCore` is one engine with its runtime; the JS side (js/) adds
//! codecs, EventTarget events and async iteration, and holds no connection
//! logic of its own.
//!
//! Its own crate, so that the library (`steadysocket`) has no JS-only code:
//! this crate is the npm package's wasm module, with the package's allocator.
#![cfg(target_arch = "wasm32")]

mod boundary;
mod events;
mod options;
mod socket_core;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

pub(crate) use steadysocket::web::frame_from_js;
use steadysocket_engine::Frame;

/// The package's version, as in Cargo.toml.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// What every socket of this module holds right now and how much work was
/// dropped (see [`steadysocket::Diagnostics`]): `{ sockets, listeners, timers,
/// dropped }`. `dropped` is 0 unless steadysocket has a bug.
#[wasm_bindgen]
pub fn diagnostics() -> JsValue {
    let d = steadysocket::diagnostics();
    let n = |v: usize| JsValue::from_f64(v as f64);
    events::object(&[
        ("sockets", n(d.sockets)),
        ("listeners", n(d.listeners)),
        ("timers", n(d.timers)),
        ("dropped", n(d.dropped)),
    ])
}

static TRAP_ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// For the test suite only (the package's JavaScript does not export it):
/// the next `send`, `close` or `reconnect` of any socket traps, as a Rust
/// panic or an allocation failure would, so that the tests can check what
/// the JS side does with a module that trapped.
#[wasm_bindgen(js_name = "__armTrapForTests")]
pub fn arm_trap_for_tests() {
    TRAP_ARMED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Traps if [`arm_trap_for_tests`] asked for it.
pub(crate) fn trap_if_armed() {
    if TRAP_ARMED.swap(false, std::sync::atomic::Ordering::Relaxed) {
        #[cfg(target_arch = "wasm32")]
        std::arch::wasm32::unreachable();
        #[cfg(not(target_arch = "wasm32"))]
        std::process::abort();
    }
}

/// A frame as JS sees it: a string, or an ArrayBuffer.
pub(crate) fn frame_to_js(frame: &Frame) -> JsValue {
    match frame {
        Frame::Text(text) => JsValue::from_str(text),
        Frame::Binary(bytes) => Uint8Array::from(bytes.as_slice()).buffer().into(),
    }
}

// The npm package's allocator: the default one (dlmalloc) is about 8 KB of the
// module, talc a third of that. Rust apps keep whichever allocator they chose.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
