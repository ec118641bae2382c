//! Page-lifecycle listeners, installed only where the platform has them:
//! online/offline on the global object (pages and workers), visibility, freeze
//! and resume on `document`, back/forward-cache restores on `window`.

use std::rc::Weak;

use wasm_bindgen::JsCast;
use web_sys::EventTarget;

use super::global::{get, global};
use super::runtime::Runtime;
use super::transport::Listener;
use crate::engine::Input;

pub(crate) struct Lifecycle {
    _listeners: Vec<Listener>,
}

impl Lifecycle {
    /// Installs the listeners; also returns the inputs that describe the
    /// platform now (offline at start, a hidden page).
    pub fn install(runtime: &Weak<Runtime>) -> (Lifecycle, Vec<Input>) {
        let mut listeners = Vec::new();
        let mut now = Vec::new();
        let global = global();
        let on = |target: &EventTarget,
                  event: &'static str,
                  map: fn(&web_sys::Event) -> Option<Input>| {
            let runtime = runtime.clone();
            Listener::new(target, event, move |e| {
                if let (Some(runtime), Some(input)) = (runtime.upgrade(), map(e)) {
                    runtime.platform_event(input);
                }
            })
        };
        let has_listeners = get(&global, "addEventListener").is_some();
        if has_listeners {
            if let Some(target) = global.dyn_ref::<EventTarget>() {
                // Node and Deno have no online/offline events; pages and workers do.
                if has_prop(&global, "ononline") {
                    listeners.push(on(target, "online", |_| Some(Input::Online)));
                    listeners.push(on(target, "offline", |_| Some(Input::Offline)));
                    let online = get(&global, "navigator")
                        .and_then(|n| get(&n, "onLine"))
                        .and_then(|v| v.as_bool());
                    if online == Some(false) {
                        now.push(Input::Offline);
                    }
                }
                if has_prop(&global, "onpageshow") {
                    listeners.push(on(target, "pageshow", |e| {
                        let persisted = get(e, "persisted")
                            .and_then(|v| v.as_bool())
                            .unwrap_or(false);
                        persisted.then_some(Input::Restored)
                    }));
                }
            }
        }
        if let Some(document) =
            get(&global, "document").and_then(|d| d.dyn_into::<EventTarget>().ok())
        {
            listeners.push(on(&document, "visibilitychange", |e| {
                let hidden = e
                    .target()
                    .and_then(|d| get(&d, "visibilityState"))
                    .and_then(|v| v.as_string())
                    .is_some_and(|s| s == "hidden");
                Some(if hidden {
                    Input::Hidden
                } else {
                    Input::Visible
                })
            }));
            listeners.push(on(&document, "freeze", |_| Some(Input::Frozen)));
            listeners.push(on(&document, "resume", |_| Some(Input::Resumed)));
            if get(&document, "visibilityState")
                .and_then(|v| v.as_string())
                .is_some_and(|s| s == "hidden")
            {
                now.push(Input::Hidden);
            }
        }
        (
            Lifecycle {
                _listeners: listeners,
            },
            now,
        )
    }
}

/// Whether `obj` has the property at all (event handler properties are `null`
/// until set, which `get` treats as missing).
fn has_prop(obj: &wasm_bindgen::JsValue, name: &str) -> bool {
    js_sys::Reflect::has(obj, &wasm_bindgen::JsValue::from_str(name)).unwrap_or(false)
}
