//! JS values to MessagePack bytes, one value by one (see the crate docs).

use js_sys::{ArrayBuffer, BigInt, Date, Map, Object, Uint8Array};
use rmp::encode;
use wasm_bindgen::{JsCast, JsValue};

use super::MAX_DEPTH;

/// The largest integer a double holds exactly, with all those below it.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// `value` as MessagePack.
pub fn bytes_of(value: &JsValue) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    write(value, &mut out, 0)?;
    Ok(out)
}

// Writing into a Vec cannot fail: rmp's errors are the Vec's, which has none.
fn write(value: &JsValue, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "values nested deeper than {MAX_DEPTH} levels (or a cycle) cannot be encoded"
        ));
    }
    if value.is_null() || value.is_undefined() {
        encode::write_nil(out).ok();
    } else if let Some(b) = value.as_bool() {
        encode::write_bool(out, b).ok();
    } else if let Some(n) = value.as_f64() {
        number(n, out);
    } else if let Some(text) = value.as_string() {
        encode::write_str(out, &text).ok();
    } else if value.is_bigint() {
        bigint(value, out)?;
    } else if let Some(date) = value.dyn_ref::<Date>() {
        timestamp(date.get_time(), out)?;
    } else if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        encode::write_bin(out, &Uint8Array::new(buffer).to_vec()).ok();
    } else if ArrayBuffer::is_view(value) {
        // Any typed array or DataView: its bytes.
        let view: &Uint8Array = value.unchecked_ref();
        let bytes = Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset(),
            view.byte_length(),
        );
        encode::write_bin(out, &bytes.to_vec()).ok();
    } else if js_sys::Array::is_array(value) {
        let list: &js_sys::Array = value.unchecked_ref();
        encode::write_array_len(out, list.length()).ok();
        for item in list.iter() {
            write(&item, out, depth + 1)?;
        }
    } else if let Some(map) = value.dyn_ref::<Map>() {
        encode::write_map_len(out, map.size()).ok();
        let mut failed = None;
        map.for_each(&mut |value, key| {
            if failed.is_none() {
                failed = write(&key, out, depth + 1)
                    .and_then(|()| write(&value, out, depth + 1))
                    .err();
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
    } else if value.is_function() {
        return Err("a function cannot be encoded as MessagePack".into());
    } else if value.is_symbol() {
        return Err("a symbol cannot be encoded as MessagePack".into());
    } else if value.is_object() {
        // A plain object (or any other): its own enumerable string keys.
        let entries = Object::entries(value.unchecked_ref());
        encode::write_map_len(out, entries.length()).ok();
        for entry in entries.iter() {
            let pair: &js_sys::Array = entry.unchecked_ref();
            write(&pair.get(0), out, depth + 1)?;
            write(&pair.get(1), out, depth + 1)?;
        }
    } else {
        return Err("a value of this type cannot be encoded as MessagePack".into());
    }
    Ok(())
}

/// An integer a double holds exactly as the smallest integer; anything else
/// (fractions, -0, NaN, the infinities, integers beyond 2^53) as a float64,
/// unchanged.
fn number(n: f64, out: &mut Vec<u8>) {
    let integer = n.fract() == 0.0 && n.abs() <= EXACT && !(n == 0.0 && n.is_sign_negative());
    if integer && n >= 0.0 {
        encode::write_uint(out, n as u64).ok();
    } else if integer {
        encode::write_sint(out, n as i64).ok();
    } else {
        encode::write_f64(out, n).ok();
    }
}

/// A BigInt as a 64-bit integer (int64 or uint64, as MessagePack libraries
/// with 64-bit integers write them); beyond 64 bits, an error.
fn bigint(value: &JsValue, out: &mut Vec<u8>) -> Result<(), String> {
    if let Ok(n) = i64::try_from(value.clone()) {
        if n < 0 {
            encode::write_i64(out, n).ok();
        } else {
            encode::write_u64(out, n as u64).ok();
        }
        return Ok(());
    }
    if let Ok(n) = u64::try_from(value.clone()) {
        encode::write_u64(out, n).ok();
        return Ok(());
    }
    let digits: String = value
        .unchecked_ref::<BigInt>()
        .to_string(10)
        .map(String::from)
        .unwrap_or_default();
    Err(format!(
        "the BigInt {digits} does not fit in 64 bits, the most MessagePack holds"
    ))
}

/// A Date as the timestamp extension (-1), in its smallest form.
fn timestamp(ms: f64, out: &mut Vec<u8>) -> Result<(), String> {
    if !ms.is_finite() {
        return Err("an invalid Date cannot be encoded as MessagePack".into());
    }
    let sec = (ms / 1000.0).floor() as i64;
    let nsec = ((ms - (sec as f64) * 1000.0) * 1_000_000.0).round() as u32;
    if nsec == 0 && (0..=i64::from(u32::MAX)).contains(&sec) {
        encode::write_ext_meta(out, 4, -1).ok();
        out.extend_from_slice(&(sec as u32).to_be_bytes());
    } else if (0..1 << 34).contains(&sec) {
        encode::write_ext_meta(out, 8, -1).ok();
        out.extend_from_slice(&((u64::from(nsec) << 34) | sec as u64).to_be_bytes());
    } else {
        encode::write_ext_meta(out, 12, -1).ok();
        out.extend_from_slice(&nsec.to_be_bytes());
        out.extend_from_slice(&sec.to_be_bytes());
    }
    Ok(())
}
