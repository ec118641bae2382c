//! Engine events as (kind, payload) pairs for the JS side.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::frame_to_js;
use super::options::close_info;
use steadysocket_engine::text::text;
use steadysocket_engine::{DropReason, Event, GiveUp, MessageId, Payload};

pub(crate) use crate::boundary::kind;

pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj.into()
}

use crate::boundary::ms;

/// The payload of a DROP event.
pub(crate) fn dropped(id: MessageId, data: JsValue, reason: DropReason) -> JsValue {
    object(&[
        ("id", JsValue::from_f64(id.0 as f64)),
        ("data", data),
        ("reason", JsValue::from_str(reason.as_str())),
    ])
}

/// An engine event as (kind, payload); `None` for an event the JS side has
/// no kind for (none today: a new engine event is added here and in
/// boundary.json's kinds).
pub(crate) fn event(event: &Event) -> Option<(u8, JsValue)> {
    Some(match event {
        Event::State(s) => (kind::STATE, JsValue::from_str(s.as_str())),
        Event::Open { protocol } => (
            kind::OPEN,
            object(&[("protocol", JsValue::from_str(protocol))]),
        ),
        Event::Close(info) => (kind::CLOSE, close_info(info)),
        Event::Error {
            kind: what,
            message,
        } => (
            kind::ERROR,
            object(&[
                ("message", JsValue::from_str(message)),
                ("kind", JsValue::from_str(what.as_str())),
            ]),
        ),
        Event::Retrying { attempt, delay } => (
            kind::RECONNECTING,
            object(&[("attempt", JsValue::from(*attempt)), ("delay", ms(*delay))]),
        ),
        Event::GaveUp(why) => {
            let reason = match why {
                GiveUp::MaxRetries(n) => text!("max-retries (", n, ")"),
                GiveUp::Budget => "retry-budget".into(),
                GiveUp::FirstConnect => "first-connect".into(),
                _ => "gave-up".into(),
            };
            (kind::GIVE_UP, JsValue::from_str(&reason))
        }
        Event::Dropped { id, frame, reason } => {
            // A kept payload's drop comes as Output::DroppedKept instead.
            let data = match frame {
                Payload::Frame(f) => frame_to_js(f),
                Payload::Kept(_) => JsValue::UNDEFINED,
            };
            (kind::DROP, dropped(*id, data, *reason))
        }
        Event::Heartbeat { rtt } => (kind::HEARTBEAT, ms(*rtt)),
        Event::Acked { through } => (kind::ACKED, JsValue::from_f64(through.0 as f64)),
        Event::Resync => (kind::RESYNC, JsValue::UNDEFINED),
        _ => return None,
    })
}
