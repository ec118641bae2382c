//! JavaScript options into an engine [`Config`]. `js/options.js` checks each
//! option's name and type and hands the values over as one array of numbers
//! (milliseconds, counts, codes); the engine checks how they fit together.

use core::time::Duration;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use steadysocket_engine::text::text;

use steadysocket_engine::{
    CloseInfo, Config, Frame, HeartbeatConfig, HiddenPolicy, Initiator, Jitter, Overflow,
    PongMatcher, Verdict,
};

/// The slots of the options array that `js/options.js` builds (the same
/// order). NaN in a slot: not given, the engine's default.
mod slot {
    pub const INITIAL_DELAY: usize = 0;
    pub const MAX_DELAY: usize = 1;
    pub const DELAY_GROW_FACTOR: usize = 2;
    pub const MAX_RETRIES: usize = 3;
    pub const RETRY_BUDGET: usize = 4;
    pub const MIN_UPTIME: usize = 5;
    pub const CONNECTION_TIMEOUT: usize = 6;
    pub const MAX_ENQUEUED_MESSAGES: usize = 7;
    pub const MAX_ENQUEUED_BYTES: usize = 8;
    pub const MESSAGE_TTL: usize = 9;
    pub const CLOSE_TIMEOUT: usize = 10;
    pub const HIDDEN_TIMEOUT: usize = 11;
    pub const HIGH_WATERMARK: usize = 12;
    pub const LOW_WATERMARK: usize = 13;
    pub const MAX_MESSAGE_SIZE: usize = 14;
    pub const RETRY_FIRST_CONNECT: usize = 15;
    pub const JITTER: usize = 16;
    pub const JITTER_PROPORTION: usize = 17;
    pub const RESTART_MIN: usize = 18;
    pub const RESTART_MAX: usize = 19;
    pub const OVERFLOW: usize = 20;
    pub const HEARTBEAT: usize = 21;
    pub const HEARTBEAT_INTERVAL: usize = 22;
    pub const HEARTBEAT_TIMEOUT: usize = 23;
    pub const MAX_HELD_BYTES: usize = 24;
}

/// The options array, read by slot. Names and types were checked in JS; any
/// number still turns into some value here without a panic (`as` saturates),
/// and [`Config::validate`] checks what the engine relies on.
struct Slots<'a>(&'a [f64]);

impl Slots<'_> {
    fn get(&self, slot: usize) -> Option<f64> {
        self.0.get(slot).copied().filter(|n| !n.is_nan())
    }

    fn ms(&self, slot: usize) -> Option<Duration> {
        self.get(slot).map(|n| Duration::from_millis(n as u64))
    }

    /// A count where `Infinity` means no limit.
    fn count(&self, slot: usize) -> Option<u64> {
        self.get(slot).map(|n| n as u64)
    }
}

/// The engine's config and the largest inbound message from the options
/// array and the heartbeat's ping and pong texts. An error is the engine's
/// message for options that do not fit together.
pub(crate) fn config(
    slots: &[f64],
    ping: Option<String>,
    pong: Option<String>,
    should_reconnect_hook: Option<Function>,
    handshake_hook: Option<Function>,
) -> Result<(Config, usize), String> {
    let s = Slots(slots);
    let mut config = Config::default();
    let b = &mut config.backoff;
    if let Some(d) = s.ms(slot::INITIAL_DELAY) {
        b.initial = d;
    }
    if let Some(d) = s.ms(slot::MAX_DELAY) {
        b.max = d;
    }
    if let Some(f) = s.get(slot::DELAY_GROW_FACTOR) {
        b.multiplier = f;
    }
    if let Some(n) = s.count(slot::MAX_RETRIES) {
        b.max_retries = (n < u64::MAX).then(|| n.min(u64::from(u32::MAX)) as u32);
    }
    if let Some(d) = s.ms(slot::RETRY_BUDGET) {
        b.budget = Some(d);
    }
    if let Some(d) = s.ms(slot::MIN_UPTIME) {
        b.min_uptime = d;
    }
    if let Some(d) = s.ms(slot::CONNECTION_TIMEOUT) {
        b.connect_timeout = d;
    }
    if let Some(kind) = s.get(slot::JITTER) {
        b.jitter = match kind as u8 {
            0 => Jitter::None,
            1 => Jitter::Full,
            2 => Jitter::Equal,
            3 => Jitter::Decorrelated,
            _ => Jitter::Proportional(s.get(slot::JITTER_PROPORTION).unwrap_or(0.0)),
        };
    }
    if let (Some(low), Some(high)) = (s.ms(slot::RESTART_MIN), s.ms(slot::RESTART_MAX)) {
        b.restart_delay = (low, high);
    }
    if let Some(v) = s.get(slot::RETRY_FIRST_CONNECT) {
        b.retry_first_connect = v != 0.0;
    }
    let o = &mut config.outbox;
    if let Some(n) = s.count(slot::MAX_ENQUEUED_MESSAGES) {
        o.max_messages = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = s.count(slot::MAX_ENQUEUED_BYTES) {
        o.max_bytes = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(kind) = s.get(slot::OVERFLOW) {
        o.overflow = match kind as u8 {
            0 => Overflow::Reject,
            1 => Overflow::DropOldest,
            _ => Overflow::DropNewest,
        };
    }
    if let Some(d) = s.ms(slot::MESSAGE_TTL) {
        o.ttl = Some(d);
    }
    if s.get(slot::HEARTBEAT).is_some_and(|on| on != 0.0) {
        let mut h = HeartbeatConfig::default();
        if let Some(d) = s.ms(slot::HEARTBEAT_INTERVAL) {
            h.interval = d;
        }
        if let Some(d) = s.ms(slot::HEARTBEAT_TIMEOUT) {
            h.timeout = d;
        }
        if let Some(p) = ping {
            h.ping = Frame::Text(p);
        }
        if let Some(p) = pong {
            h.pong = PongMatcher::Exact(Frame::Text(p));
        }
        config.heartbeat = Some(h);
    }
    if let Some(d) = s.ms(slot::CLOSE_TIMEOUT) {
        config.close_timeout = d;
    }
    if let Some(d) = s.ms(slot::HIDDEN_TIMEOUT) {
        config.hidden = HiddenPolicy::CloseAfter(d);
    }
    if let Some(n) = s.count(slot::MAX_HELD_BYTES) {
        config.outbox.max_held_bytes = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = s.count(slot::HIGH_WATERMARK) {
        config.backpressure.high_watermark = n;
    }
    if let Some(n) = s.count(slot::LOW_WATERMARK) {
        config.backpressure.low_watermark = n;
    }
    let max_message_size = s
        .count(slot::MAX_MESSAGE_SIZE)
        .map_or(steadysocket::DEFAULT_MAX_MESSAGE_SIZE, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        });
    if let Some(hook) = should_reconnect_hook {
        config.close_hook = Some(Box::new(move |info| should_reconnect(&hook, info)));
    }
    if let Some(hook) = handshake_hook {
        config.handshake = Some(Box::new(move || handshake(&hook)));
    }
    config
        .validate()
        .map_err(|e| text!("invalid option ", js_name(e.field), ": ", e.message))?;
    Ok((config, max_message_size))
}

/// The JS name of an engine option that [`Config::validate`] reports.
fn js_name(field: &'static str) -> &'static str {
    match field {
        "backoff.initial" => "initialDelay",
        "backoff.multiplier" => "delayGrowFactor",
        "backoff.jitter" => "jitter",
        "backoff.connect_timeout" => "connectionTimeout",
        "backoff.restart_delay" => "restartDelay",
        "outbox.max_bytes" => "maxEnqueuedBytes",
        "heartbeat.interval" => "heartbeat.interval",
        "heartbeat.timeout" => "heartbeat.timeout",
        "backpressure.low_watermark" => "lowWatermark",
        "hidden" => "hiddenTimeout",
        other => other,
    }
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

/// The engine's configuration under the JS option names and units, as the
/// engine holds it (`SocketCore.configSnapshot()`): what a test reads back to
/// prove that each JS option landed in the right engine field.
pub(crate) fn snapshot(config: &Config, max_message_size: usize) -> JsValue {
    use super::events::object;
    let ms = |d: Duration| JsValue::from_f64(d.as_secs_f64() * 1000.0);
    let n = |v: u64| JsValue::from_f64(v as f64);
    let b = &config.backoff;
    let jitter = match b.jitter {
        Jitter::None => JsValue::from_str("none"),
        Jitter::Full => JsValue::from_str("full"),
        Jitter::Equal => JsValue::from_str("equal"),
        Jitter::Decorrelated => JsValue::from_str("decorrelated"),
        Jitter::Proportional(p) => JsValue::from_f64(p),
    };
    let overflow = match config.outbox.overflow {
        Overflow::Reject => "reject",
        Overflow::DropOldest => "drop-oldest",
        Overflow::DropNewest => "drop-newest",
    };
    let heartbeat = match &config.heartbeat {
        Some(h) => object(&[("interval", ms(h.interval)), ("timeout", ms(h.timeout))]),
        None => JsValue::FALSE,
    };
    let restart = Array::of2(&ms(b.restart_delay.0), &ms(b.restart_delay.1));
    object(&[
        ("initialDelay", ms(b.initial)),
        ("maxDelay", ms(b.max)),
        ("delayGrowFactor", JsValue::from_f64(b.multiplier)),
        (
            "maxRetries",
            b.max_retries
                .map_or(JsValue::from_f64(f64::INFINITY), JsValue::from),
        ),
        ("retryBudget", b.budget.map_or(JsValue::NULL, ms)),
        ("minUptime", ms(b.min_uptime)),
        ("connectionTimeout", ms(b.connect_timeout)),
        ("retryFirstConnect", JsValue::from(b.retry_first_connect)),
        ("jitter", jitter),
        ("restartDelay", restart.into()),
        ("maxEnqueuedMessages", n(config.outbox.max_messages as u64)),
        ("maxEnqueuedBytes", n(config.outbox.max_bytes as u64)),
        ("maxHeldBytes", n(config.outbox.max_held_bytes as u64)),
        ("overflow", JsValue::from_str(overflow)),
        ("messageTtl", config.outbox.ttl.map_or(JsValue::NULL, ms)),
        ("closeTimeout", ms(config.close_timeout)),
        (
            "hiddenTimeout",
            match config.hidden {
                HiddenPolicy::CloseAfter(d) => ms(d),
                HiddenPolicy::Keep => JsValue::NULL,
            },
        ),
        ("highWatermark", n(config.backpressure.high_watermark)),
        ("lowWatermark", n(config.backpressure.low_watermark)),
        ("maxMessageSize", n(max_message_size as u64)),
        ("heartbeat", heartbeat),
    ])
}
