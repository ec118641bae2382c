//! Lookups on the global object, done when needed (never at module load:
//! Workers forbid some work at global scope, and SSR has no `window`).

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `globalThis`, which every supported runtime has: one import, where
    /// `js_sys::global()` probes four names for older engines.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// `globalThis`.
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// `obj[name]`, or `None` when missing, `undefined` or `null`.
pub fn get(obj: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// `globalThis[name]` if it is a function (a constructor, say).
pub fn function(name: &str) -> Option<Function> {
    get(&global(), name).and_then(|v| v.dyn_into::<Function>().ok())
}

/// The `name` and `message` of a thrown value, for typed errors.
pub(crate) fn describe_error(error: &JsValue) -> (String, String) {
    let text = |key| {
        get(error, key)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (name, message) = (text("name"), text("message"));
    if name.is_empty() && message.is_empty() {
        (
            String::new(),
            error.as_string().unwrap_or_else(|| "unknown error".into()),
        )
    } else {
        (name, message)
    }
}

/// A seed per socket, drawn when the socket is built (never at module load).
pub fn random_seed() -> u64 {
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (high << 32) ^ low
}
