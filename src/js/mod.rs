//! The wasm-bindgen facade: what the npm package's JavaScript classes stand
//! on. `SocketCore` is one engine with its runtime; the JS side (js/) adds
//! codecs, EventTarget events and async iteration, and holds no connection
//! logic of its own.

mod core;
mod events;
mod options;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::engine::Frame;
pub(crate) use crate::web::frame_from_js;

/// The package's version, as in Cargo.toml.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// What every socket of this module holds right now and how much work was
/// dropped (see [`crate::Diagnostics`]): `{ sockets, listeners, timers,
/// dropped }`. `dropped` is 0 unless steadysocket has a bug.
#[wasm_bindgen]
pub fn diagnostics() -> JsValue {
    let d = crate::diagnostics();
    let obj = js_sys::Object::new();
    for (key, value) in [
        ("sockets", d.sockets),
        ("listeners", d.listeners),
        ("timers", d.timers),
        ("dropped", d.dropped),
    ] {
        let _ = js_sys::Reflect::set(
            &obj,
            &JsValue::from_str(key),
            &JsValue::from_f64(value as f64),
        );
    }
    obj.into()
}

/// A frame as JS sees it: a string, or an ArrayBuffer.
pub(crate) fn frame_to_js(frame: &Frame) -> JsValue {
    match frame {
        Frame::Text(text) => JsValue::from_str(text),
        Frame::Binary(bytes) => Uint8Array::from(bytes.as_slice()).buffer().into(),
    }
}
