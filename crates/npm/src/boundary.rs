//! The tables shared with the package's JavaScript, generated from
//! `crates/npm/boundary.json` by `build.rs` (and, for js/, by
//! `scripts/gen-boundary.mjs`): nothing here is kept in step by hand.
// Some generated names (a choice the Rust side reads as "anything else")
// are used by the JS side only.
#![allow(dead_code)]

use core::time::Duration;

use steadysocket_engine::Config;
use wasm_bindgen::JsValue;

include!(concat!(env!("OUT_DIR"), "/boundary.rs"));

/// The options array, read by slot. Names and types were checked in JS; any
/// number still turns into some value here without a panic (`as` saturates),
/// and [`Config::validate`] checks what the engine relies on. NaN in a slot:
/// not given, the engine's default.
pub(crate) struct Slots<'a>(pub &'a [f64]);

impl Slots<'_> {
    pub fn get(&self, slot: usize) -> Option<f64> {
        self.0.get(slot).copied().filter(|n| !n.is_nan())
    }

    pub fn ms(&self, slot: usize) -> Option<Duration> {
        self.get(slot).map(|n| Duration::from_millis(n as u64))
    }

    /// A count where `Infinity` means no limit (`u64::MAX`).
    pub fn count(&self, slot: usize) -> Option<u64> {
        self.get(slot).map(|n| n as u64)
    }

    pub fn flag(&self, slot: usize) -> Option<bool> {
        self.get(slot).map(|n| n != 0.0)
    }
}

/// Milliseconds as JS numbers.
pub(crate) fn ms(d: Duration) -> JsValue {
    JsValue::from_f64(d.as_secs_f64() * 1000.0)
}

/// The JS option name of an engine field that [`Config::validate`] reports.
pub(crate) fn js_name(field: &'static str) -> &'static str {
    JS_NAMES
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(field, |(_, js)| js)
}
