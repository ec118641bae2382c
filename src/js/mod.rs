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

/// A frame as JS sees it: a string, or an ArrayBuffer.
pub(crate) fn frame_to_js(frame: &Frame) -> JsValue {
    match frame {
        Frame::Text(text) => JsValue::from_str(text),
        Frame::Binary(bytes) => Uint8Array::from(bytes.as_slice()).buffer().into(),
    }
}
