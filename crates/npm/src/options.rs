//! JavaScript options into an engine [`Config`]. `js/options.js` checks each
//! option's name and type and hands the values over as one array of numbers
//! (milliseconds, counts, codes); the engine checks how they fit together.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use steadysocket_engine::text::text;

use crate::boundary::{self, jitter, js_name, ms, overflow, slot, Slots};

use steadysocket_engine::{
    CloseInfo, Config, Frame, HeartbeatConfig, HiddenPolicy, Initiator, Jitter, Overflow,
    PongMatcher, ResumeConfig, Verdict,
};

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
    if slots.len() != boundary::SLOTS {
        // The JS tables were generated from another boundary.json.
        return Err(text!(
            "the options array has ",
            slots.len(),
            " slots where this wasm module reads ",
            boundary::SLOTS,
            ": the package's JavaScript and wasm are from different builds"
        ));
    }
    let s = Slots(slots);
    let mut config = Config::default();
    boundary::apply(&s, &mut config);
    let b = config.backoff_mut();
    // A default never makes a given option invalid: without initialDelay, a
    // maxDelay below its default caps it.
    if s.ms(slot::INITIAL_DELAY).is_none() && b.initial() > b.max() {
        let max = b.max();
        b.set_initial(max);
    }
    if let Some(kind) = s.get(slot::JITTER) {
        b.set_jitter(match kind as u8 {
            jitter::NONE => Jitter::None,
            jitter::FULL => Jitter::Full,
            jitter::EQUAL => Jitter::Equal,
            jitter::DECORRELATED => Jitter::Decorrelated,
            _ => Jitter::Proportional(s.get(slot::JITTER_PROPORTION).unwrap_or(0.0)),
        });
    }
    if let (Some(low), Some(high)) = (s.ms(slot::RESTART_MIN), s.ms(slot::RESTART_MAX)) {
        b.set_restart_delay((low, high));
    }
    if let Some(kind) = s.get(slot::OVERFLOW) {
        config.outbox_mut().set_overflow(match kind as u8 {
            overflow::REJECT => Overflow::Reject,
            overflow::DROP_OLDEST => Overflow::DropOldest,
            _ => Overflow::DropNewest,
        });
    }
    if s.flag(slot::HEARTBEAT) == Some(true) {
        let mut h = HeartbeatConfig::default();
        if let Some(d) = s.ms(slot::HEARTBEAT_INTERVAL) {
            h.set_interval(d);
        }
        if let Some(d) = s.ms(slot::HEARTBEAT_TIMEOUT) {
            h.set_timeout(d);
        }
        if let Some(p) = ping {
            h.set_ping(Frame::Text(p));
        }
        if let Some(p) = pong {
            h.set_pong(PongMatcher::Exact(Frame::Text(p)));
        }
        config.set_heartbeat(Some(h));
    }
    if s.flag(slot::RESUME) == Some(true) {
        let mut r = ResumeConfig::default();
        if let Some(n) = s.count(slot::RESUME_MAX_MESSAGES) {
            r.set_max_unacked_messages(usize::try_from(n).unwrap_or(usize::MAX));
        }
        if let Some(n) = s.count(slot::RESUME_MAX_BYTES) {
            r.set_max_unacked_bytes(usize::try_from(n).unwrap_or(usize::MAX));
        }
        config.set_resume(Some(r));
    }
    if let Some(d) = s.ms(slot::HIDDEN_TIMEOUT) {
        config.set_hidden(HiddenPolicy::CloseAfter(d));
    }
    let max_message_size = s
        .count(slot::MAX_MESSAGE_SIZE)
        .map_or(steadysocket::DEFAULT_MAX_MESSAGE_SIZE, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        });
    if let Some(hook) = should_reconnect_hook {
        config.set_close_hook(Some(Box::new(move |info| should_reconnect(&hook, info))));
    }
    if let Some(hook) = handshake_hook {
        config.set_handshake(Some(Box::new(move || handshake(&hook))));
    }
    config
        .validate()
        .map_err(|e| text!("invalid option ", js_name(e.field), ": ", e.message))?;
    Ok((config, max_message_size))
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
    let b = config.backoff();
    let jitter = match b.jitter() {
        Jitter::None => JsValue::from_str("none"),
        Jitter::Full => JsValue::from_str("full"),
        Jitter::Equal => JsValue::from_str("equal"),
        Jitter::Decorrelated => JsValue::from_str("decorrelated"),
        Jitter::Proportional(p) => JsValue::from_f64(p),
        _ => JsValue::NULL,
    };
    let overflow = match config.outbox().overflow() {
        Overflow::Reject => "reject",
        Overflow::DropOldest => "drop-oldest",
        Overflow::DropNewest => "drop-newest",
        _ => "unknown",
    };
    let heartbeat = match config.heartbeat() {
        Some(h) => object(&[("interval", ms(h.interval())), ("timeout", ms(h.timeout()))]),
        None => JsValue::FALSE,
    };
    let resume = match config.resume() {
        Some(r) => object(&[
            (
                "maxUnackedMessages",
                JsValue::from_f64(r.max_unacked_messages() as f64),
            ),
            (
                "maxUnackedBytes",
                JsValue::from_f64(r.max_unacked_bytes() as f64),
            ),
        ]),
        None => JsValue::FALSE,
    };
    let restart = Array::of2(&ms(b.restart_delay().0), &ms(b.restart_delay().1));
    let hidden = match config.hidden() {
        HiddenPolicy::CloseAfter(d) => ms(d),
        _ => JsValue::NULL,
    };
    let simple = boundary::snapshot(config);
    let custom = [
        ("jitter", jitter),
        ("restartDelay", restart.into()),
        ("overflow", JsValue::from_str(overflow)),
        ("hiddenTimeout", hidden),
        ("maxMessageSize", JsValue::from_f64(max_message_size as f64)),
        ("heartbeat", heartbeat),
        ("resume", resume),
    ];
    let all: Vec<(&str, JsValue)> = simple.into_iter().chain(custom).collect();
    object(&all)
}
