//! JavaScript options (camelCase, milliseconds) into an engine [`Config`].
//! Every bad value is reported with the option's name and what was given.

use core::time::Duration;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::text::{text, Quoted};

use crate::engine::{
    CloseInfo, Config, Frame, HeartbeatConfig, HiddenPolicy, Initiator, Jitter, Overflow,
    PongMatcher, Verdict,
};

/// Options the engine does not hold.
pub(crate) struct Extras {
    pub protocols: Vec<String>,
    pub constructor: Option<Function>,
    pub max_message_size: usize,
}

/// Every option the core understands.
const KNOWN: &[&str] = &[
    "initialDelay",
    "maxDelay",
    "delayGrowFactor",
    "jitter",
    "maxRetries",
    "retryBudget",
    "minUptime",
    "connectionTimeout",
    "restartDelay",
    "retryFirstConnect",
    "maxEnqueuedMessages",
    "maxEnqueuedBytes",
    "overflow",
    "messageTtl",
    "heartbeat",
    "closeTimeout",
    "hiddenTimeout",
    "highWatermark",
    "lowWatermark",
    "protocols",
    "WebSocket",
    "maxMessageSize",
    "shouldReconnect",
    "handshake",
];

struct Reader<'a> {
    obj: &'a JsValue,
    path: &'static str,
}

impl Reader<'_> {
    fn raw(&self, key: &str) -> Option<JsValue> {
        Reflect::get(self.obj, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined())
    }

    fn fail(&self, key: &str, want: &str, got: &JsValue) -> String {
        text!(
            "option ",
            self.path,
            key,
            " must be ",
            want,
            ", got ",
            show(got)
        )
    }

    fn number(
        &self,
        key: &str,
        want: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<Option<f64>, String> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if ok(n) => Ok(Some(n)),
                _ => Err(self.fail(key, want, &v)),
            },
        }
    }

    fn ms(&self, key: &str) -> Result<Option<Duration>, String> {
        Ok(self
            .number(key, "a finite number of milliseconds, 0 or more", |n| {
                n.is_finite() && n >= 0.0
            })?
            // Whole milliseconds; `as` saturates, so no value can panic here.
            .map(|n| Duration::from_millis(n as u64)))
    }

    /// A count, where `Infinity` means no limit.
    fn count(&self, key: &str) -> Result<Option<Option<u64>>, String> {
        Ok(self
            .number(key, "a whole number, 0 or more, or Infinity", |n| {
                n == f64::INFINITY || (n >= 0.0 && n.fract() == 0.0 && n <= 9.0e15)
            })?
            .map(|n| {
                if n.is_infinite() {
                    None
                } else {
                    Some(n as u64)
                }
            }))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.fail(key, "true or false", &v)),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.fail(key, "a string", &v)),
        }
    }

    fn function(&self, key: &str) -> Result<Option<Function>, String> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<Function>()
                .map(Some)
                .map_err(|v| self.fail(key, "a function", &v)),
        }
    }
}

/// A short description of a bad value for an error message.
fn show(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        let s: String = s.chars().take(40).collect();
        text!("the string ", Quoted(&s))
    } else if let Some(n) = v.as_f64() {
        // JS formats the number: Rust's float formatting would grow the wasm.
        js_sys::Number::from(n)
            .to_string_with_radix(10)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "a number".into())
    } else if let Some(b) = v.as_bool() {
        if b { "true" } else { "false" }.into()
    } else if v.is_null() {
        "null".into()
    } else {
        text!(
            "a value of type ",
            v.js_typeof().as_string().unwrap_or_default()
        )
    }
}

/// Reads the options object (or `undefined`).
pub(crate) fn parse(options: &JsValue) -> Result<(Config, Extras), String> {
    let mut config = Config::default();
    let mut extras = Extras {
        protocols: Vec::new(),
        constructor: None,
        max_message_size: crate::DEFAULT_MAX_MESSAGE_SIZE,
    };
    if options.is_undefined() || options.is_null() {
        return Ok((config, extras));
    }
    if !options.is_object() {
        return Err(text!("options must be an object, got ", show(options)));
    }
    let keys = js_sys::Object::keys(options.unchecked_ref::<js_sys::Object>());
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN.contains(&key.as_str()) {
            return Err(text!(
                "unknown option ",
                Quoted(&key),
                "; the options are: ",
                KNOWN.join(", ")
            ));
        }
    }
    let r = Reader {
        obj: options,
        path: "",
    };
    let b = &mut config.backoff;
    if let Some(d) = r.ms("initialDelay")? {
        b.initial = d;
    }
    if let Some(d) = r.ms("maxDelay")? {
        b.max = d;
    }
    if let Some(f) = r.number("delayGrowFactor", "a number of at least 1", |n| {
        n.is_finite() && n >= 1.0
    })? {
        b.multiplier = f;
    }
    if let Some(v) = r.raw("jitter") {
        b.jitter =
            match (v.as_string().as_deref(), v.as_f64()) {
                (Some("none"), _) => Jitter::None,
                (Some("full"), _) => Jitter::Full,
                (Some("equal"), _) => Jitter::Equal,
                (Some("decorrelated"), _) => Jitter::Decorrelated,
                (_, Some(x)) if (0.0..=1.0).contains(&x) => Jitter::Proportional(x),
                _ => return Err(r.fail(
                    "jitter",
                    "\"none\", \"full\", \"equal\", \"decorrelated\" or a proportion from 0 to 1",
                    &v,
                )),
            };
    }
    if let Some(n) = r.count("maxRetries")? {
        b.max_retries = n.map(|n| n.min(u64::from(u32::MAX)) as u32);
    }
    if let Some(d) = r.ms("retryBudget")? {
        b.budget = Some(d);
    }
    if let Some(d) = r.ms("minUptime")? {
        b.min_uptime = d;
    }
    if let Some(d) = r.ms("connectionTimeout")? {
        b.connect_timeout = d;
    }
    if let Some(v) = r.raw("restartDelay") {
        let pair: Option<(f64, f64)> = v
            .dyn_ref::<Array>()
            .filter(|a| a.length() == 2)
            .and_then(|a| Some((a.get(0).as_f64()?, a.get(1).as_f64()?)))
            .filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && *lo >= 0.0 && lo <= hi);
        let (lo, hi) = pair.ok_or_else(|| {
            r.fail(
                "restartDelay",
                "[min, max] milliseconds with min <= max",
                &v,
            )
        })?;
        b.restart_delay = (
            Duration::from_millis(lo as u64),
            Duration::from_millis(hi as u64),
        );
    }
    if let Some(v) = r.boolean("retryFirstConnect")? {
        b.retry_first_connect = v;
    }
    let o = &mut config.outbox;
    if let Some(n) = r.count("maxEnqueuedMessages")? {
        o.max_messages = n.map_or(usize::MAX, |n| n as usize);
    }
    if let Some(n) = r.count("maxEnqueuedBytes")? {
        o.max_bytes = n.map_or(usize::MAX, |n| n as usize);
    }
    if let Some(v) = r.raw("overflow") {
        o.overflow = match v.as_string().as_deref() {
            Some("reject") => Overflow::Reject,
            Some("drop-oldest") => Overflow::DropOldest,
            Some("drop-newest") => Overflow::DropNewest,
            _ => {
                return Err(r.fail(
                    "overflow",
                    "\"reject\", \"drop-oldest\" or \"drop-newest\"",
                    &v,
                ))
            }
        };
    }
    if let Some(d) = r.ms("messageTtl")? {
        o.ttl = Some(d);
    }
    if let Some(h) = r.raw("heartbeat") {
        config.heartbeat = Some(heartbeat(&h)?);
    }
    if let Some(d) = r.ms("closeTimeout")? {
        config.close_timeout = d;
    }
    if let Some(d) = r.ms("hiddenTimeout")? {
        config.hidden = HiddenPolicy::CloseAfter(d);
    }
    let bytes = |n: Option<u64>| n.unwrap_or(u64::MAX);
    if let Some(n) = r.count("highWatermark")? {
        config.backpressure.high_watermark = bytes(n);
    }
    if let Some(n) = r.count("lowWatermark")? {
        config.backpressure.low_watermark = bytes(n);
    }
    if let Some(v) = r.raw("protocols") {
        extras.protocols = match (v.as_string(), v.dyn_ref::<Array>()) {
            (Some(p), _) => vec![p],
            (None, Some(a)) if a.iter().all(|p| p.is_string()) => {
                a.iter().filter_map(|p| p.as_string()).collect()
            }
            _ => return Err(r.fail("protocols", "a string or an array of strings", &v)),
        };
    }
    extras.constructor = r.function("WebSocket")?;
    if let Some(n) = r.count("maxMessageSize")? {
        extras.max_message_size = n.map_or(usize::MAX, |n| n as usize);
    }
    if let Some(hook) = r.function("shouldReconnect")? {
        config.close_hook = Some(Box::new(move |info| should_reconnect(&hook, info)));
    }
    if let Some(hook) = r.function("handshake")? {
        config.handshake = Some(Box::new(move || handshake(&hook)));
    }
    config.validate().map_err(|e| e.to_string())?;
    Ok((config, extras))
}

fn heartbeat(h: &JsValue) -> Result<HeartbeatConfig, String> {
    let mut config = HeartbeatConfig::default();
    if h.as_bool() == Some(true) {
        return Ok(config);
    }
    if !h.is_object() {
        return Err(text!(
            "option heartbeat must be true or an object, got ",
            show(h)
        ));
    }
    let r = Reader {
        obj: h,
        path: "heartbeat.",
    };
    if let Some(d) = r.ms("interval")? {
        config.interval = d;
    }
    if let Some(d) = r.ms("timeout")? {
        config.timeout = d;
    }
    if let Some(p) = r.string("ping")? {
        config.ping = Frame::Text(p);
    }
    if let Some(p) = r.string("pong")? {
        config.pong = PongMatcher::Exact(Frame::Text(p));
    }
    Ok(config)
}

/// The close info as the JS hook sees it.
pub(crate) fn close_info(info: &CloseInfo) -> JsValue {
    let obj = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from(info.code));
    set("reason", JsValue::from_str(&info.reason));
    set("wasClean", JsValue::from(info.clean));
    set(
        "byClient",
        JsValue::from(info.initiator == Initiator::Local),
    );
    obj.into()
}

/// true reconnects, false stops, anything else keeps the default. A hook that
/// throws keeps the default too.
fn should_reconnect(hook: &Function, info: &CloseInfo) -> Option<Verdict> {
    match hook
        .call1(&JsValue::NULL, &close_info(info))
        .ok()?
        .as_bool()?
    {
        true => Some(Verdict::Reconnect),
        false => Some(Verdict::Stop),
    }
}

/// Frames from the JS handshake hook: a string, an ArrayBuffer, a Uint8Array,
/// or an array of them. Anything else (or a throw) sends nothing.
fn handshake(hook: &Function) -> Vec<Frame> {
    let Ok(value) = hook.call0(&JsValue::NULL) else {
        return Vec::new();
    };
    let items: Vec<JsValue> = match value.dyn_ref::<Array>() {
        Some(a) => a.iter().collect(),
        None => vec![value],
    };
    items.iter().filter_map(super::frame_from_js).collect()
}
