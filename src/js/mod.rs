//! The wasm-bindgen facade: what JavaScript sees.

use wasm_bindgen::prelude::*;

/// The package's version, as in Cargo.toml.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
