//! The MessagePack codec of the steadysocket npm package, in a wasm module of
//! its own (`steadysocket/msgpack`). Values cross as JSON text: JSON.parse
//! builds plain objects whose "__proto__" keys stay ordinary keys, where
//! writing maps into objects directly would let such a key set the prototype.
#![deny(missing_docs)]

/// MessagePack bytes to JSON text.
pub fn to_json(bytes: &[u8]) -> Result<String, String> {
    let value: serde_json::Value = rmp_serde::from_slice(bytes).map_err(|e| e.to_string())?;
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

/// JSON text to MessagePack bytes (maps keep their field names).
pub fn from_json(json: &str) -> Result<Vec<u8>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    rmp_serde::to_vec_named(&value).map_err(|e| e.to_string())
}

// The same small allocator as the main module (dlmalloc is about 8 KB).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    fn type_error(message: String) -> JsValue {
        js_sys::TypeError::new(&message).into()
    }

    /// MessagePack bytes to JSON text; throws a TypeError on bad input.
    #[wasm_bindgen(js_name = msgpackToJson)]
    pub fn msgpack_to_json(bytes: &[u8]) -> Result<String, JsValue> {
        super::to_json(bytes).map_err(type_error)
    }

    /// JSON text to MessagePack bytes; throws a TypeError on bad input.
    #[wasm_bindgen(js_name = jsonToMsgpack)]
    pub fn json_to_msgpack(json: &str) -> Result<Vec<u8>, JsValue> {
        super::from_json(json).map_err(type_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_json_through_messagepack() {
        let json = r#"{"seq":3,"list":["a",1.5,null,true],"nested":{"__proto__":{"x":1}}}"#;
        let bytes = from_json(json).unwrap();
        assert_eq!(to_json(&bytes).unwrap(), json);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(to_json(&[0xc1, 0xff]).is_err());
        assert!(to_json(&[]).is_err());
        assert!(from_json("{not json").is_err());
    }
}
