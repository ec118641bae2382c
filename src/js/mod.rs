//! The wasm-bindgen facade: what the npm package's JavaScript classes stand
//! on. `SocketCore` is one engine with its runtime; the JS side (js/) adds
//! codecs, EventTarget events and async iteration, and holds no connection
//! logic of its own.

mod core;
mod events;
#[cfg(feature = "msgpack")]
mod msgpack;
mod options;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::Frame;

/// The package's version, as in Cargo.toml.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A frame from a JS value: a string is text; an ArrayBuffer or a typed array
/// view is binary. Anything else is `None`.
pub(crate) fn frame_from_js(value: &JsValue) -> Option<Frame> {
    if let Some(text) = value.as_string() {
        Some(Frame::Text(text))
    } else if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        Some(Frame::Binary(Uint8Array::new(buffer).to_vec()))
    } else if ArrayBuffer::is_view(value) {
        Some(Frame::Binary(Uint8Array::new(value).to_vec()))
    } else {
        None
    }
}

/// A frame as JS sees it: a string, or an ArrayBuffer.
pub(crate) fn frame_to_js(frame: &Frame) -> JsValue {
    match frame {
        Frame::Text(text) => JsValue::from_str(text),
        Frame::Binary(bytes) => Uint8Array::from(bytes.as_slice()).buffer().into(),
    }
}
