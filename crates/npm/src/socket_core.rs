use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::events::{self, kind};
use super::{frame_to_js, options};
use crate::boundary::{frame_need, outcome};
#[cfg(feature = "resume")]
use js_sys::Uint32Array;
#[cfg(feature = "resume")]
use steadysocket::web::Tab;
use steadysocket::web::{Outlet, Output, Queued, Refused, Runtime};
use steadysocket_engine::{Endpoint, FrameNeed, Input, SendOutcome, SocketId, State, SubmitError};

/// One reconnecting socket, driven from JavaScript. The npm package's classes
/// wrap it; it is not meant to be used directly.
#[wasm_bindgen]
pub struct SocketCore {
    runtime: Rc<Runtime>,
    max_message_size: usize,
}

/// Calls the JS dispatcher with every output, outside any engine borrow.
struct JsOutlet {
    dispatch: Function,
    max_message_size: usize,
    /// The JS API's own `message` listener, attached to every socket.
    on_message: Function,
}

impl JsOutlet {
    fn call(&self, kind: u8, payload: &JsValue, extra: &JsValue) {
        // The JS side catches what listeners and callbacks throw, so an
        // exception here is a bug in the JS layer: counted, and reported the
        // way the platform reports a throwing listener, never swallowed.
        let result = self
            .dispatch
            .call3(&JsValue::NULL, &JsValue::from(kind), payload, extra);
        if let Err(error) = result {
            steadysocket::web::dropped("an event the JS layer threw on");
            report_error(&error);
        }
    }
}

impl Outlet for JsOutlet {
    fn message_listener(&self) -> Option<Function> {
        Some(self.on_message.clone())
    }

    #[cfg(feature = "resume")]
    /// The JS side's tab (kind TAB answers it): `null`, or `[arrived,
    /// lengths, values]` (a Uint32Array of the texts' UTF-8 lengths, an
    /// Array of the texts).
    fn tab(&self) -> Option<Tab> {
        let answer = self
            .dispatch
            .call1(&JsValue::NULL, &JsValue::from(kind::TAB))
            .ok()?;
        let tab = answer.dyn_into::<Array>().ok()?;
        let arrived = tab.get(0).as_f64().unwrap_or(0.0) as u32;
        let lengths = tab
            .get(1)
            .dyn_into::<Uint32Array>()
            .map(|l| l.to_vec())
            .unwrap_or_default();
        let values = tab.get(2).dyn_into::<Array>().unwrap_or_default();
        Some(Tab {
            values: Rc::new(values),
            lengths,
            arrived,
        })
    }

    fn deliver(&self, _runtime: &Rc<Runtime>, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Frame(frame) if frame.len() > self.max_message_size => {
                    let size = JsValue::from_f64(frame.len() as f64);
                    self.call(kind::TOO_LARGE, &JsValue::from_str(frame.kind()), &size);
                }
                Output::Frame(frame) => {
                    self.call(kind::MESSAGE, &frame_to_js(&frame), &JsValue::UNDEFINED)
                }
                Output::TooLarge { kind, size } => self.call(
                    kind::TOO_LARGE,
                    &JsValue::from_str(kind),
                    &JsValue::from_f64(size as f64),
                ),
                Output::Unreadable(what) => self.call(
                    kind::UNREADABLE,
                    &JsValue::from_str(&what),
                    &JsValue::UNDEFINED,
                ),
                Output::Event(event) => {
                    if let Some((kind, payload)) = events::event(&event) {
                        self.call(kind, &payload, &JsValue::UNDEFINED);
                    }
                }
                Output::Resolve { socket, attempt } => {
                    self.call(
                        kind::RESOLVE,
                        &JsValue::from_f64(socket.0 as f64),
                        &JsValue::from(attempt),
                    );
                }
                Output::Direct(Some((socket, allowance))) => {
                    let n = |v: u64| JsValue::from_f64(v as f64);
                    // With resume: [bytes, messages, arrivals] (KeptDirectSend);
                    // without, the bytes (DirectSend).
                    #[cfg(feature = "resume")]
                    let limits = Array::of3(
                        &n(allowance.bytes),
                        &n(allowance.messages),
                        &n(allowance.arrivals),
                    )
                    .into();
                    #[cfg(not(feature = "resume"))]
                    let limits = n(allowance.bytes);
                    self.call(kind::DIRECT, &socket, &limits)
                }
                Output::Direct(None) => {
                    self.call(kind::DIRECT, &JsValue::NULL, &JsValue::UNDEFINED)
                }
                // JS sends never wait for room: they throw when it is full.
                Output::Room => {}
                Output::DroppedKept { id, data, reason } => {
                    self.call(
                        kind::DROP,
                        &events::dropped(id, data, reason),
                        &JsValue::UNDEFINED,
                    );
                }
            }
        }
    }
}

/// `reportError(error)` where the runtime has it (browsers, Deno, Node 18+,
/// workerd), else `console.error`.
fn report_error(error: &JsValue) {
    let global = steadysocket::web::global();
    if let Some(report) = steadysocket::web::function("reportError") {
        let _ = report.call1(&global, error);
    } else if let Some(console) = steadysocket::web::get(&global, "console") {
        let log =
            steadysocket::web::get(&console, "error").and_then(|f| f.dyn_into::<Function>().ok());
        if let Some(log) = log {
            let _ = log.call1(&console, error);
        }
    }
}

/// A queued message as JS sees it: its kept value, or its frame.
fn queued_to_js(queued: Queued) -> JsValue {
    match queued {
        Queued::Frame(f) => frame_to_js(&f),
        Queued::Js(v) => v,
    }
}

/// A send's outcome as SocketCore.send returns it.
fn outcome_code(sent: SendOutcome) -> u8 {
    match sent {
        SendOutcome::Sent(_) => outcome::SENT,
        SendOutcome::Queued(_) => outcome::QUEUED,
        _ => outcome::DROPPED,
    }
}

/// A refusal as a JS Error with a `code` the JS side can test.
fn refusal(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&error, &"code".into(), &JsValue::from_str(code));
    error.into()
}

#[wasm_bindgen]
impl SocketCore {
    /// Builds an idle socket from the options array of `js/options.js` (which
    /// checks names and types), the heartbeat's ping and pong, and the hooks;
    /// `dispatch(kind, a, b)` receives every event. `onMessage(event)` is
    /// attached to each socket as its `message` listener: the JS side receives
    /// every frame itself (checking `maxMessageSize`) and tells this core
    /// what `frameNeed` asks for (`arrived`, `received`). Throws a TypeError
    /// for options that do not fit together.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        options: Vec<f64>,
        ping: Option<String>,
        pong: Option<String>,
        constructor: Option<Function>,
        should_reconnect: Option<Function>,
        handshake: Option<Function>,
        dispatch: Function,
        on_message: Function,
    ) -> Result<SocketCore, JsValue> {
        let (mut config, max_message_size) =
            options::config(&options, ping, pong, should_reconnect, handshake)
                .map_err(|m| JsValue::from(js_sys::TypeError::new(&m)))?;
        // The JS side sends within the engine's allowance itself (DIRECT).
        config.set_direct_sends(true);
        let seed = steadysocket::web::random_seed();
        let outlet = JsOutlet {
            dispatch,
            max_message_size,
            on_message,
        };
        let runtime = Runtime::new(
            config,
            seed,
            max_message_size,
            constructor,
            Box::new(outlet),
        );
        Ok(SocketCore {
            runtime,
            max_message_size,
        })
    }

    /// The largest inbound message, in bytes (for the direct message path).
    #[wasm_bindgen(getter, js_name = maxMessageSize)]
    pub fn max_message_size(&self) -> f64 {
        self.max_message_size as f64
    }

    /// The engine's configuration under the JS option names and units (see
    /// `js/index.d.ts`): what the options became.
    #[wasm_bindgen(js_name = configSnapshot)]
    pub fn config_snapshot(&self) -> JsValue {
        let max = self.max_message_size;
        self.runtime
            .with_engine(|e| options::snapshot(e.config(), max))
            .unwrap_or(JsValue::NULL)
    }

    /// Starts connecting (installs the page-lifecycle listeners).
    pub fn start(&self) {
        self.runtime.start();
    }

    /// The answer to a resolve request: the URL for that attempt.
    pub fn resolved(&self, socket: f64, url: String, protocols: Array) {
        let protocols = protocols.iter().filter_map(|p| p.as_string()).collect();
        self.runtime
            .resolved(SocketId(socket as u64), Ok(Endpoint::new(url, protocols)));
    }

    /// The URL provider failed for that attempt (it is retried).
    #[wasm_bindgen(js_name = resolveFailed)]
    pub fn resolve_failed(&self, socket: f64, message: String) {
        self.runtime.resolved(SocketId(socket as u64), Err(message));
    }

    /// What the engine needs of each frame the JS listener receives: 0
    /// nothing, 1 its arrival (call `arrived`), 2 its content (call
    /// `received`, and the frame comes back as a MESSAGE unless the engine
    /// keeps it), 3 every frame's content, 4 a text frame's arrival
    /// (`textArrived`) and a binary frame's content.
    #[wasm_bindgen(getter, js_name = frameNeed)]
    pub fn frame_need(&self) -> u8 {
        match self.runtime.frame_need() {
            FrameNeed::Nothing => frame_need::NOTHING,
            FrameNeed::Arrival => frame_need::ARRIVAL,
            FrameNeed::Every => frame_need::EVERY,
            FrameNeed::TextArrival => frame_need::TEXT_ARRIVAL,
            _ => frame_need::CONTENT,
        }
    }

    /// A frame arrived on `socket` (the message event's target), delivered by
    /// the JS side itself.
    pub fn arrived(&self, socket: JsValue) {
        self.runtime.frame_arrived(&socket);
    }

    /// A text frame arrived on `socket`, and the engine needs its arrival
    /// (frameNeed 4, with resume on): true when the JS side is to deliver
    /// it; false when it must not (a replaced connection's), or when it
    /// comes back as a MESSAGE (the engine was busy and took it whole).
    #[wasm_bindgen(js_name = textArrived)]
    pub fn text_arrived(&self, socket: JsValue, data: JsValue) -> bool {
        self.runtime.text_arrived(&socket, &data)
    }

    /// A frame arrived on `socket` whose content the engine needs.
    pub fn received(&self, socket: JsValue, data: JsValue) {
        self.runtime.frame_received(&socket, &data);
    }

    /// Counts bytes the JS side sent straight to the socket of the last
    /// DIRECT event; the allowance is then reported again, or not if sends
    /// are held now.
    #[wasm_bindgen(js_name = sentDirectly)]
    pub fn sent_directly(&self, bytes: f64) {
        self.runtime.sent_directly(bytes as u64);
    }

    /// Sends a string or binary data of `bytes` bytes (UTF-8 for text, as
    /// the JS side measured it): returns 0 (sent), 1 (queued) or 2 (dropped);
    /// throws an Error with `code` "closed", "outbox-full", "too-large",
    /// "invalid-data" or "busy" when refused. The value is never copied into
    /// wasm memory: the engine counts its size only.
    pub fn send(&self, data: JsValue, bytes: f64) -> Result<u8, JsValue> {
        self.submit(data, bytes).map(outcome_code)
    }

    /// As `send`, for a message whose acknowledgement the caller waits for
    /// (resume on): returns `[outcome, id]`, the id that ACKED and DROP
    /// events name. Only in the resume module.
    #[cfg(feature = "resume")]
    #[wasm_bindgen(js_name = sendAcked)]
    pub fn send_acked(&self, data: JsValue, bytes: f64) -> Result<Array, JsValue> {
        let sent = self.submit(data, bytes)?;
        Ok(Array::of2(
            &JsValue::from(outcome_code(sent)),
            &JsValue::from_f64(sent.id().0 as f64),
        ))
    }

    /// With resume on: the session's counters (`sent`, `acknowledged`,
    /// `replayed`, `resyncs`, `received`, `resumes`, `unacked`) and whether
    /// the current link speaks the protocol (`live`); else undefined. Only
    /// in the resume module.
    #[cfg(feature = "resume")]
    #[wasm_bindgen(getter, js_name = resumeStats)]
    pub fn resume_stats(&self) -> JsValue {
        let Some(Some((stats, live))) = self
            .runtime
            .with_engine(|e| e.resume_stats().map(|s| (s, e.resume_live())))
        else {
            return JsValue::UNDEFINED;
        };
        let n = |v: u64| JsValue::from_f64(v as f64);
        events::object(&[
            ("sent", n(stats.sent)),
            ("acknowledged", n(stats.acknowledged)),
            ("replayed", n(stats.replayed)),
            ("resyncs", n(stats.resyncs)),
            ("received", n(stats.received)),
            ("resumes", n(stats.resumes)),
            ("unacked", n(stats.unacked as u64)),
            ("live", JsValue::from_bool(live)),
        ])
    }

    fn submit(&self, data: JsValue, bytes: f64) -> Result<SendOutcome, JsValue> {
        super::trap_if_armed();
        let len = if bytes.is_finite() && bytes >= 0.0 {
            bytes as usize
        } else {
            usize::MAX
        };
        let sent = self.runtime.send_kept(data, len).ok_or_else(|| {
            refusal(
                "invalid-data",
                "send() takes a string, an ArrayBuffer or a typed array (with resume on, not a Blob)",
            )
        })?;
        match sent {
            Ok(outcome) => Ok(outcome),
            Err(Refused::Busy(_)) => Err(refusal(
                "busy",
                "send() cannot be called from inside shouldReconnect or handshake",
            )),
            Err(Refused::Engine(e @ SubmitError::Closed(_))) => {
                Err(refusal("closed", &e.message()))
            }
            Err(Refused::Engine(e @ SubmitError::OutboxFull(_))) => {
                Err(refusal("outbox-full", &e.message()))
            }
            Err(Refused::Engine(e @ SubmitError::TooLarge { .. })) => {
                Err(refusal("too-large", &e.message()))
            }
            Err(Refused::Engine(e)) => Err(refusal("refused", &e.message())),
        }
    }

    /// Closes for good; throws a RangeError for a code other than 1000 or
    /// 3000-4999, or a reason over 123 bytes.
    pub fn close(&self, code: u16, reason: String) -> Result<(), JsValue> {
        super::trap_if_armed();
        self.runtime
            .close(code, &reason)
            .map_err(|e| JsValue::from(js_sys::RangeError::new(&e.message())))
    }

    /// Connects again now, from any state (also the first time, for a socket
    /// built with startClosed).
    pub fn reconnect(&self) {
        super::trap_if_armed();
        self.runtime.ensure_lifecycle();
        self.runtime.input(Input::Reconnect);
    }

    /// The open socket's `bufferedAmount`, in bytes.
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> f64 {
        self.runtime.buffered_amount() as f64
    }

    /// "idle", "connecting", "open", "closing", "waiting", "paused" or "closed".
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.runtime
            .with_state(|s| s.kind().as_str())
            .unwrap_or("connecting")
            .into()
    }

    /// Why the socket is closed for good, or undefined.
    #[wasm_bindgen(getter, js_name = closedReason)]
    pub fn closed_reason(&self) -> Option<String> {
        self.runtime.with_state(|s| match s {
            State::Closed(reason) => Some(steadysocket::ClosedError(reason.clone()).message()),
            _ => None,
        })?
    }

    /// Why the socket is closed for good when that is a failure (it gave
    /// up, could not be created, or the server closed with a code that stops
    /// it other than 1000), or undefined: what ends a `for await` loop with
    /// an error rather than quietly.
    #[wasm_bindgen(getter, js_name = closedFailure)]
    pub fn closed_failure(&self) -> Option<String> {
        self.runtime.with_state(|s| match s {
            State::Closed(reason) if reason.is_failure() => {
                Some(steadysocket::ClosedError(reason.clone()).message())
            }
            _ => None,
        })?
    }

    /// The subprotocol the server chose ("" when not open).
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        self.runtime
            .with_state(|s| match s {
                State::Open { protocol, .. } => protocol.clone(),
                _ => String::new(),
            })
            .unwrap_or_default()
    }

    /// Queued messages.
    #[wasm_bindgen(getter, js_name = outboxLength)]
    pub fn outbox_length(&self) -> usize {
        self.runtime.with_engine(|e| e.outbox_len().0).unwrap_or(0)
    }

    /// Queued bytes.
    #[wasm_bindgen(getter, js_name = outboxBytes)]
    pub fn outbox_bytes(&self) -> usize {
        self.runtime.with_engine(|e| e.outbox_len().1).unwrap_or(0)
    }

    /// The queued messages (strings and binary data), oldest first.
    pub fn outbox(&self) -> Array {
        self.runtime
            .outbox()
            .into_iter()
            .map(queued_to_js)
            .collect()
    }

    /// Takes the queued messages out; they will not be sent.
    #[wasm_bindgen(js_name = drainOutbox)]
    pub fn drain_outbox(&self) -> Array {
        self.runtime
            .drain_outbox()
            .into_iter()
            .map(|(_, q)| queued_to_js(q))
            .collect()
    }

    /// Closes the socket and frees every listener and timer now.
    pub fn dispose(&self) {
        self.runtime.shutdown();
    }
}

impl Drop for SocketCore {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}
