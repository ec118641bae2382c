//! The MessagePack codec of the steadysocket npm package, in a wasm module of
//! its own (`steadysocket/msgpack`). It converts between MessagePack bytes
//! and JS values directly, deciding value by value, so that nothing changes
//! silently on the way:
//! - a map whose keys are all strings becomes an object with no prototype (a
//!   `"__proto__"` key stays a plain key), any other map a `Map`;
//! - an integer a double holds exactly becomes a number, a larger one a
//!   `BigInt` (and a `BigInt` is written as a 64-bit integer);
//! - binary data becomes a `Uint8Array` (and any `ArrayBuffer` or typed array
//!   is written as binary data);
//! - the timestamp extension (-1) becomes a `Date` when a `Date` holds it
//!   exactly (whole milliseconds), else `{ sec, nsec }`; other extensions
//!   become `{ type, data }`;
//! - floats stay exact, NaN and the infinities included; -0 stays -0;
//! - bytes left over after the value, invalid UTF-8, nesting deeper than
//!   [`MAX_DEPTH`], and JS values with no MessagePack form (a function, a
//!   symbol, a `BigInt` beyond 64 bits) are errors with a clear message.
//!
//! serde-wasm-bindgen decides such things for a whole conversion at once (all
//! maps as objects, or all as `Map`s); a walk of our own decides per value,
//! with `rmp` reading and writing the format.
#![deny(missing_docs)]

/// How deep values may nest, both ways (deeper input is refused rather than
/// allowed to exhaust the wasm stack; cycles end here too).
pub const MAX_DEPTH: usize = 512;

// The same small allocator as the main module (dlmalloc is about 8 KB).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

mod decode;
mod encode;

use wasm_bindgen::prelude::*;

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// MessagePack bytes to a JS value; throws a TypeError saying what is wrong.
#[wasm_bindgen(js_name = decodeMsgpack)]
pub fn decode_msgpack(bytes: &[u8]) -> Result<JsValue, JsValue> {
    decode::value_of(bytes).map_err(|e| type_error(&e))
}

/// A JS value to MessagePack bytes; throws a TypeError saying what cannot be encoded.
#[wasm_bindgen(js_name = encodeMsgpack)]
pub fn encode_msgpack(value: &JsValue) -> Result<Vec<u8>, JsValue> {
    encode::bytes_of(value).map_err(|e| type_error(&e))
}
