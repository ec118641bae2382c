//! MessagePack bytes to JS values, one value by one (see the crate docs).

use js_sys::{Array, BigInt, Date, Map, Object, Reflect, Uint8Array};
use rmp::Marker;
use wasm_bindgen::{JsCast, JsValue};

use super::MAX_DEPTH;

/// The largest integer a double holds exactly, with all those below it.
const EXACT: u64 = 1 << 53;

/// The one value in `bytes`; anything left over is an error.
pub fn value_of(bytes: &[u8]) -> Result<JsValue, String> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    let left = bytes.len() - reader.at;
    if left > 0 {
        return Err(format!(
            "{left} bytes left over after the MessagePack value"
        ));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "the MessagePack data ends early (byte {} of {})",
                self.at,
                self.bytes.len()
            ));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<usize, String> {
        Ok(u16::from_be_bytes(self.array()?) as usize)
    }

    fn u32(&mut self) -> Result<usize, String> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    /// A count of items that each take at least one byte: never more than the
    /// bytes left, so a forged length cannot make us allocate.
    fn count(&mut self, n: usize, what: &str) -> Result<usize, String> {
        let left = self.bytes.len() - self.at;
        if n > left {
            return Err(format!(
                "a MessagePack {what} claims {n} items with {left} bytes left"
            ));
        }
        Ok(n)
    }

    fn value(&mut self, depth: usize) -> Result<JsValue, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "MessagePack values nested deeper than {MAX_DEPTH} levels"
            ));
        }
        let marker = Marker::from_u8(self.u8()?);
        Ok(match marker {
            Marker::Null => JsValue::NULL,
            Marker::True => JsValue::TRUE,
            Marker::False => JsValue::FALSE,
            Marker::FixPos(n) => JsValue::from(n),
            Marker::FixNeg(n) => JsValue::from(n),
            Marker::U8 => JsValue::from(self.u8()?),
            Marker::U16 => JsValue::from(self.u16()? as u32),
            Marker::U32 => JsValue::from(self.u32()? as u32),
            Marker::U64 => unsigned(u64::from_be_bytes(self.array()?)),
            Marker::I8 => JsValue::from(i8::from_be_bytes(self.array()?)),
            Marker::I16 => JsValue::from(i16::from_be_bytes(self.array()?)),
            Marker::I32 => JsValue::from(i32::from_be_bytes(self.array()?)),
            Marker::I64 => signed(i64::from_be_bytes(self.array()?)),
            Marker::F32 => JsValue::from(f64::from(f32::from_be_bytes(self.array()?))),
            Marker::F64 => JsValue::from(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let n = self.length(marker)?;
                self.string(n)?
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let n = self.length(marker)?;
                Uint8Array::from(self.take(n)?).into()
            }
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                let n = self.length(marker)?;
                self.list(n, depth)?
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                let n = self.length(marker)?;
                self.map(n, depth)?
            }
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32 => {
                let n = self.length(marker)?;
                self.ext(n)?
            }
            Marker::Reserved => return Err("the MessagePack byte 0xc1 is never used".into()),
        })
    }

    /// The length a string, binary, array, map or extension marker gives:
    /// in the marker itself, or in the 1, 2 or 4 bytes after it.
    fn length(&mut self, marker: Marker) -> Result<usize, String> {
        Ok(match marker {
            Marker::FixStr(n) | Marker::FixArray(n) | Marker::FixMap(n) => n as usize,
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Str8 | Marker::Bin8 | Marker::Ext8 => self.u8()? as usize,
            Marker::Str16 | Marker::Bin16 | Marker::Array16 | Marker::Map16 | Marker::Ext16 => {
                self.u16()?
            }
            Marker::Str32 | Marker::Bin32 | Marker::Array32 | Marker::Map32 | Marker::Ext32 => {
                self.u32()?
            }
            // Only the markers above are asked about.
            _ => return Err("a MessagePack marker with no length".into()),
        })
    }

    fn string(&mut self, n: usize) -> Result<JsValue, String> {
        let at = self.at;
        match core::str::from_utf8(self.take(n)?) {
            Ok(text) => Ok(JsValue::from_str(text)),
            Err(_) => Err(format!(
                "a MessagePack string at byte {at} is not valid UTF-8"
            )),
        }
    }

    fn list(&mut self, n: usize, depth: usize) -> Result<JsValue, String> {
        let n = self.count(n, "array")?;
        let list = Array::new_with_length(n as u32);
        for i in 0..n {
            list.set(i as u32, self.value(depth + 1)?);
        }
        Ok(list.into())
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<JsValue, String> {
        let n = self.count(n, "map")?;
        let mut pairs = Vec::with_capacity(n);
        for _ in 0..n {
            let key = self.value(depth + 1)?;
            let value = self.value(depth + 1)?;
            pairs.push((key, value));
        }
        if pairs.iter().all(|(key, _)| key.is_string()) {
            // No prototype: a "__proto__" key is a key like any other.
            let object: Object = Object::create(JsValue::NULL.unchecked_ref::<Object>());
            for (key, value) in pairs {
                let _ = Reflect::set(&object, &key, &value);
            }
            Ok(object.into())
        } else {
            let map = Map::new();
            for (key, value) in pairs {
                map.set(&key, &value);
            }
            Ok(map.into())
        }
    }

    fn ext(&mut self, n: usize) -> Result<JsValue, String> {
        let kind = i8::from_be_bytes(self.array()?);
        let data = self.take(n)?;
        if kind == -1 {
            return timestamp(data);
        }
        let object = Object::new();
        let _ = Reflect::set(&object, &"type".into(), &JsValue::from(kind));
        let _ = Reflect::set(&object, &"data".into(), &Uint8Array::from(data));
        Ok(object.into())
    }
}

fn unsigned(n: u64) -> JsValue {
    if n <= EXACT {
        JsValue::from(n as f64)
    } else {
        BigInt::from(n).into()
    }
}

fn signed(n: i64) -> JsValue {
    if n.unsigned_abs() <= EXACT {
        JsValue::from(n as f64)
    } else {
        BigInt::from(n).into()
    }
}

/// The timestamp extension: a `Date` when whole milliseconds in its range,
/// else `{ sec, nsec }` (sec a number, or a BigInt beyond 2^53).
fn timestamp(data: &[u8]) -> Result<JsValue, String> {
    let (sec, nsec): (i64, u32) = match data.len() {
        4 => (
            i64::from(u32::from_be_bytes([data[0], data[1], data[2], data[3]])),
            0,
        ),
        8 => {
            let both = u64::from_be_bytes([
                data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7],
            ]);
            ((both & 0x3_ffff_ffff) as i64, (both >> 34) as u32)
        }
        12 => {
            let nsec = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
            let sec = i64::from_be_bytes([
                data[4], data[5], data[6], data[7], data[8], data[9], data[10], data[11],
            ]);
            (sec, nsec)
        }
        n => {
            return Err(format!(
                "a MessagePack timestamp of {n} bytes (4, 8 or 12 expected)"
            ))
        }
    };
    if nsec >= 1_000_000_000 {
        return Err(format!("a MessagePack timestamp with {nsec} nanoseconds"));
    }
    // A Date holds whole milliseconds within ±8.64e15 ms.
    let ms = (sec as f64) * 1000.0 + f64::from(nsec / 1_000_000);
    if nsec % 1_000_000 == 0 && sec.unsigned_abs() <= 8_640_000_000_000 {
        return Ok(Date::new(&JsValue::from(ms)).into());
    }
    let object = Object::new();
    let _ = Reflect::set(&object, &"sec".into(), &signed(sec));
    let _ = Reflect::set(&object, &"nsec".into(), &JsValue::from(nsec));
    Ok(object.into())
}
