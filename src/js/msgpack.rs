//! MessagePack for the JS side. Values cross as JSON text: JSON.parse builds
//! plain objects whose "__proto__" keys stay ordinary keys, where writing maps
//! into objects directly would let a "__proto__" key set the prototype.

use wasm_bindgen::prelude::*;

/// MessagePack bytes to JSON text.
#[wasm_bindgen(js_name = msgpackToJson)]
pub fn msgpack_to_json(bytes: &[u8]) -> Result<String, JsValue> {
    let value: serde_json::Value = rmp_serde::from_slice(bytes)
        .map_err(|e| JsValue::from(js_sys::TypeError::new(&e.to_string())))?;
    serde_json::to_string(&value).map_err(|e| JsValue::from(js_sys::TypeError::new(&e.to_string())))
}

/// JSON text to MessagePack bytes.
#[wasm_bindgen(js_name = jsonToMsgpack)]
pub fn json_to_msgpack(json: &str) -> Result<Vec<u8>, JsValue> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| JsValue::from(js_sys::TypeError::new(&e.to_string())))?;
    rmp_serde::to_vec_named(&value)
        .map_err(|e| JsValue::from(js_sys::TypeError::new(&e.to_string())))
}
