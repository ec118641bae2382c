//! Writes the Rust side of the boundary tables from `boundary.json` (see its
//! comment) into `$OUT_DIR/boundary.rs`, which `src/boundary.rs` includes:
//! the option slots, the engine fields the simple options set (and read back
//! for `configSnapshot()`), the engine field names under their JS names, the
//! event kinds, the send outcomes and the choice codes.
use std::fmt::Write as _;
use std::{env, fs, path::Path};

use serde_json::Value;

fn upper(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        if c == '-' {
            out.push('_');
        } else {
            out.push(c.to_ascii_uppercase());
        }
    }
    out
}

fn main() {
    println!("cargo:rerun-if-changed=boundary.json");
    let text = fs::read_to_string("boundary.json").expect("crates/npm/boundary.json is readable");
    let schema: Value = serde_json::from_str(&text).expect("boundary.json is JSON");
    let options = schema["options"].as_array().expect("options is an array");
    let mut slots = String::new();
    let mut apply = String::new();
    let mut snapshot = String::new();
    let mut names = String::new();
    let mut choices = String::new();
    let mut n = 0usize;
    for o in options {
        let name = o["name"].as_str().expect("an option has a name");
        let custom = o.get("custom").and_then(Value::as_array);
        let field = o.get("field").and_then(Value::as_str);
        if let Some(field) = field {
            writeln!(names, "    ({field:?}, {name:?}),").unwrap();
        }
        if let Some(list) = o.get("choices").and_then(Value::as_array) {
            writeln!(choices, "pub mod {} {{", name.to_ascii_lowercase()).unwrap();
            for (i, c) in list.iter().enumerate() {
                let c = c.as_str().expect("a choice is a string");
                writeln!(choices, "    pub const {}: u8 = {i};", upper(c)).unwrap();
            }
            writeln!(
                choices,
                "    /// One past the named choices.\n    pub const COUNT: u8 = {};\n}}",
                list.len()
            )
            .unwrap();
        }
        match custom {
            Some(list) => {
                for s in list {
                    let s = s.as_str().expect("a slot name is a string");
                    writeln!(slots, "    pub const {s}: usize = {n};").unwrap();
                    n += 1;
                }
            }
            None if o.get("unit").is_some() => {
                let slot = upper(name);
                writeln!(slots, "    pub const {slot}: usize = {n};").unwrap();
                n += 1;
                let field = field.expect("a simple option names its engine field");
                let rust = o["rust"]
                    .as_str()
                    .expect("a simple option names its Rust type");
                let (read, assign, back) = match rust {
                    "Duration" => ("s.ms", "v", "ms(c.{F})"),
                    "Option<Duration>" => ("s.ms", "Some(v)", "c.{F}.map_or(JsValue::NULL, ms)"),
                    "f64" => ("s.get", "v", "JsValue::from_f64(c.{F})"),
                    "bool" => ("s.flag", "v", "JsValue::from_bool(c.{F})"),
                    "u64" => ("s.count", "v", "JsValue::from_f64(c.{F} as f64)"),
                    "usize" => ("s.count", "usize::try_from(v).unwrap_or(usize::MAX)", "JsValue::from_f64(c.{F} as f64)"),
                    "Option<u32>" => (
                        "s.count",
                        "(v < u64::MAX).then(|| v.min(u64::from(u32::MAX)) as u32)",
                        "c.{F}.map_or(JsValue::from_f64(f64::INFINITY), JsValue::from)",
                    ),
                    other => panic!("boundary.json: option {name} has a Rust type the generator does not know: {other}"),
                };
                // "backoff.initial": c.backoff_mut().set_initial(v) and c.backoff().initial().
                let (set, get) = match field.split_once('.') {
                    Some((part, leaf)) => (
                        format!("{part}_mut().set_{leaf}"),
                        format!("{part}().{leaf}()"),
                    ),
                    None => (format!("set_{field}"), format!("{field}()")),
                };
                writeln!(apply, "    if let Some(v) = {read}(slot::{slot}) {{\n        c.{set}({assign});\n    }}").unwrap();
                writeln!(
                    snapshot,
                    "        ({name:?}, {}),",
                    back.replace("{F}", &get)
                )
                .unwrap();
            }
            None => {}
        }
    }
    for o in schema["resume"].as_array().expect("resume is an array") {
        let name = o["name"].as_str().expect("a resume option has a name");
        if let Some(field) = o.get("field").and_then(Value::as_str) {
            writeln!(names, "    ({field:?}, \"resume.{name}\"),").unwrap();
        }
    }
    let mut out =
        String::from("// @generated by crates/npm/build.rs from boundary.json: do not edit.\n\n");
    writeln!(out, "/// The options array's slots.\npub mod slot {{\n{slots}}}\n/// How many slots the options array has.\npub const SLOTS: usize = {n};\n").unwrap();
    writeln!(out, "/// Sets the engine fields of the options that map one to one.\npub(crate) fn apply(s: &Slots, c: &mut Config) {{\n{apply}}}\n").unwrap();
    writeln!(out, "/// Those fields again, under their JS names and units.\npub(crate) fn snapshot(c: &Config) -> [(&'static str, JsValue); {}] {{\n    [\n{snapshot}    ]\n}}\n", snapshot.lines().count()).unwrap();
    writeln!(out, "/// Engine field names ([`Config::validate`]) and their JS option names.\npub(crate) const JS_NAMES: &[(&str, &str)] = &[\n{names}];\n").unwrap();
    out.push_str(&choices);
    out.push_str("\n/// What the JS dispatcher receives as its first argument.\npub mod kind {\n");
    for (i, k) in schema["kinds"]
        .as_array()
        .expect("kinds is an array")
        .iter()
        .enumerate()
    {
        writeln!(
            out,
            "    pub const {}: u8 = {i};",
            k.as_str().expect("a kind is a string")
        )
        .unwrap();
    }
    out.push_str("}\n\n/// What SocketCore.send returns.\npub mod outcome {\n");
    for (i, k) in schema["sendOutcomes"]
        .as_array()
        .expect("sendOutcomes is an array")
        .iter()
        .enumerate()
    {
        writeln!(
            out,
            "    pub const {}: u8 = {i};",
            upper(k.as_str().expect("an outcome is a string"))
        )
        .unwrap();
    }
    out.push_str("}\n\n/// What the engine needs of a received frame (SocketCore.frameNeed).\npub mod frame_need {\n");
    for (i, k) in schema["frameNeeds"]
        .as_array()
        .expect("frameNeeds is an array")
        .iter()
        .enumerate()
    {
        writeln!(
            out,
            "    pub const {}: u8 = {i};",
            upper(k.as_str().expect("a frame need is a string"))
        )
        .unwrap();
    }
    out.push_str("}\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("boundary.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
