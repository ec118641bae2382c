//! One platform `WebSocket` and its listeners, owned together: dropping the
//! transport removes every listener before its closure is freed, and closes
//! the socket if it is still open. No `Closure::forget`.

use std::rc::Weak;

use js_sys::{Array, ArrayBuffer, Function, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, EventTarget, MessageEvent, WebSocket};

use super::diagnostics::{Counted, Resource};
use super::global::{describe_error, function};
use super::runtime::Runtime;
use crate::engine::{Endpoint, Frame, Input, OpenError, SocketId};
use crate::text::{text, Quoted};

/// `WebSocket.readyState` values
/// ([MDN](https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/readyState)).
mod ready_state {
    pub const CONNECTING: u16 = 0;
    pub const OPEN: u16 = 1;
    pub const CLOSING: u16 = 2;
}

/// An event listener, removed on drop, that counts itself in the
/// diagnostics. A plain `addEventListener(type, f)`: no options object, one
/// closure type for every listener.
pub(crate) struct Listener {
    target: EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
    _count: Counted,
}

impl Listener {
    pub fn new(
        target: &EventTarget,
        event: &'static str,
        mut callback: impl FnMut(&web_sys::Event) + 'static,
    ) -> Listener {
        let callback: Closure<dyn FnMut(web_sys::Event)> =
            Closure::new(move |e: web_sys::Event| callback(&e));
        // Throws only for a target that is not an EventTarget; ours are.
        let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            event,
            callback,
            _count: Counted::new(Resource::Listener),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let f = self.callback.as_ref().unchecked_ref();
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, f);
    }
}

pub(crate) struct Transport {
    id: SocketId,
    ws: WebSocket,
    listeners: Vec<Listener>,
    /// The JS `message` listener attached in place of ours, if any.
    direct: Option<(Function, Counted)>,
    _count: Counted,
}

impl Transport {
    /// Creates the socket with `constructor` (the global `WebSocket` when
    /// `None`) and attaches every listener before returning, so that no event,
    /// not even a first message sent the instant the socket opens, is missed.
    /// `listener`, when given, is a JS function attached as the `message`
    /// listener in place of ours: the outlet (the JS API) receives frames
    /// itself, with no trip through wasm, and tells the runtime what the
    /// engine needs of them.
    pub fn open(
        id: SocketId,
        endpoint: &Endpoint,
        constructor: Option<&Function>,
        listener: Option<&Function>,
        runtime: Weak<Runtime>,
    ) -> Result<Transport, OpenError> {
        let global_ctor;
        let ctor = match constructor {
            Some(ctor) => ctor,
            None => {
                global_ctor = function("WebSocket").ok_or_else(|| {
                    OpenError::Forbidden(
                        "this runtime has no global WebSocket: pass a WebSocket constructor (the `ws` package on Node 20)"
                            .into(),
                    )
                })?;
                &global_ctor
            }
        };
        let protocols: Array = endpoint
            .protocols
            .iter()
            .map(|p| JsValue::from_str(p))
            .collect();
        let ws: WebSocket = Reflect::construct(
            ctor,
            &Array::of2(&JsValue::from_str(&endpoint.url), &protocols),
        )
        .map_err(|e| open_error(&endpoint.url, &e))?
        .unchecked_into();
        // Frames arrive as ArrayBuffers, never Blobs (the default in browsers
        // and workerd) or Node Buffers (Bun): one synchronous, ordered path.
        ws.set_binary_type(BinaryType::Arraybuffer);

        let target: &EventTarget = ws.as_ref();
        let on = |event: &'static str, f: fn(SocketId, &web_sys::Event) -> Event| {
            let runtime = runtime.clone();
            Listener::new(target, event, move |e| {
                if let Some(runtime) = runtime.upgrade() {
                    runtime.socket_event(f(id, e));
                }
            })
        };
        let listeners = vec![
            on("open", |socket, e| {
                // Read through Reflect: workerd's `protocol` is null, which a
                // typed String getter would trip on.
                let protocol = e
                    .target()
                    .and_then(|t| super::global::get(&t, "protocol"))
                    .and_then(|p| p.as_string())
                    .unwrap_or_default();
                Event::Input(Input::Opened { socket, protocol })
            }),
            on("error", |socket, _| Event::Input(Input::Error { socket })),
            on("close", |socket, e| {
                let (code, reason, clean) = close_fields(e);
                // Deno reports an abnormal closure as code 0; the spec says 1006.
                let code = if code < 1000 { 1006 } else { code };
                Event::Input(Input::Closed {
                    socket,
                    code,
                    reason,
                    clean,
                })
            }),
        ];
        let mut listeners = listeners;
        let direct = match listener {
            Some(f) => {
                // Cannot fail on a WebSocket; if it did, the frames would be lost, so fall back.
                if target
                    .add_event_listener_with_callback("message", f)
                    .is_ok()
                {
                    Some((f.clone(), Counted::new(Resource::Listener)))
                } else {
                    None
                }
            }
            None => None,
        };
        if direct.is_none() {
            listeners.push(on("message", |socket, e| {
                let data = match e.dyn_ref::<MessageEvent>() {
                    Some(m) => m.data(),
                    None => super::global::get(e, "data").unwrap_or(JsValue::UNDEFINED),
                };
                Event::Message(socket, data)
            }));
        }
        Ok(Transport {
            id,
            ws,
            listeners,
            direct,
            _count: Counted::new(Resource::Socket),
        })
    }

    pub fn id(&self) -> SocketId {
        self.id
    }

    /// Sends if the socket is open; `false` means the frame was not taken (a
    /// closed socket's `send` would silently discard it).
    pub fn send(&self, frame: &Frame) -> bool {
        if self.ws.ready_state() != ready_state::OPEN {
            return false;
        }
        match frame {
            Frame::Text(text) => self.ws.send_with_str(text).is_ok(),
            Frame::Binary(bytes) => self.ws.send_with_u8_array(bytes).is_ok(),
        }
    }

    /// Whether `target` is this transport's platform socket.
    pub fn is(&self, target: &JsValue) -> bool {
        let ws: &JsValue = self.ws.as_ref();
        ws == target
    }

    /// The platform socket, for an outlet that sends to it directly.
    pub fn socket_value(&self) -> JsValue {
        self.ws.clone().into()
    }

    /// Sends a JS string or binary value as it is, if the socket is open.
    pub fn send_js(&self, data: &JsValue) -> bool {
        self.ws.ready_state() == ready_state::OPEN
            && self.ws.unchecked_ref::<Sendable>().send(data).is_ok()
    }

    /// Starts the closing handshake ([MDN](https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/close)).
    pub fn close(&self, code: u16, reason: &str) {
        // Throws only for codes and reasons the engine has already refused.
        let _ = self.ws.close_with_code_and_reason(code, reason);
    }

    /// Whether the socket is closing or closed
    /// ([MDN](https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/readyState)).
    pub fn is_closing(&self) -> bool {
        self.ws.ready_state() >= ready_state::CLOSING
    }

    /// Cuts the connection where the platform can: the `ws` package's
    /// `terminate()`, which then reports the close with the code the server
    /// sent. The platform WebSocket has no such method: nothing happens.
    pub fn terminate(&self) {
        if let Some(terminate) =
            super::global::get(&self.ws, "terminate").and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = terminate.call0(&self.ws);
        }
    }

    /// [MDN](https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/bufferedAmount)
    pub fn buffered_amount(&self) -> u64 {
        u64::from(self.ws.buffered_amount())
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        // Listeners first: some runtimes (Node's undici) fire `error`
        // synchronously inside close(), which would re-enter a listener that
        // may be running right now.
        self.listeners.clear();
        if let Some((f, _count)) = self.direct.take() {
            let _ = self.ws.remove_event_listener_with_callback("message", &f);
        }
        // A discarded socket must not linger (a hung attempt, a dead link).
        let state = self.ws.ready_state();
        if state == ready_state::CONNECTING || state == ready_state::OPEN {
            let _ = self.ws.close();
        } else if state == ready_state::CLOSING {
            // Stuck closing (a server that never closes TCP).
            self.terminate();
        }
    }
}

/// What a socket listener hands the runtime.
pub(crate) enum Event {
    Input(Input),
    Message(SocketId, JsValue),
}

/// What a message event's data is.
pub(crate) enum Data {
    Text(JsValue),
    Binary(JsValue),
    /// A Blob (a runtime that ignored binaryType): read asynchronously.
    Blob(web_sys::Blob),
    Unsupported(String),
}

impl Data {
    pub fn of(data: JsValue) -> Data {
        if data.is_string() {
            Data::Text(data)
        } else if data.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(&data) {
            Data::Binary(data)
        } else if data.has_type::<web_sys::Blob>() {
            Data::Blob(data.unchecked_into())
        } else {
            Data::Unsupported(text!(
                "a message of type ",
                data.js_typeof().as_string().unwrap_or_default()
            ))
        }
    }
}

/// A frame copied out of a JS string, ArrayBuffer or typed array.
pub fn frame_from_js(value: &JsValue) -> Option<Frame> {
    if let Some(text) = value.as_string() {
        Some(Frame::Text(text))
    } else if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        Some(Frame::Binary(Uint8Array::new(buffer).to_vec()))
    } else if ArrayBuffer::is_view(value) {
        Some(Frame::Binary(Uint8Array::new(value).to_vec()))
    } else {
        None
    }
}

/// Bounds of a JS payload's size in bytes, without copying it: exact for
/// binary data; for text, its UTF-16 length and three times that (UTF-8 takes
/// one to three bytes per UTF-16 unit).
pub(crate) fn js_len_bounds(value: &JsValue) -> Option<(usize, usize)> {
    match value.dyn_ref::<js_sys::JsString>() {
        Some(s) => {
            let units = s.length() as usize;
            Some((units, units.saturating_mul(3)))
        }
        None => js_binary_len(value).map(|n| (n, n)),
    }
}

/// Whether `value` is what a socket sends: a string, an ArrayBuffer, a
/// typed array (any view), or a Blob (the platform socket reads it, in order).
pub fn is_frame_value(value: &JsValue) -> bool {
    value.is_string()
        || value.is_instance_of::<ArrayBuffer>()
        || ArrayBuffer::is_view(value)
        || value.is_instance_of::<web_sys::Blob>()
}

/// A value to keep while its message waits: binary data copied (on the JS
/// heap, never into wasm memory), as the platform's `send()` copies it, so
/// that an app reusing its buffer does not change a message already sent;
/// a string or a Blob as it is (neither changes).
pub fn kept_copy(value: &JsValue) -> JsValue {
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return buffer.slice(0).into();
    }
    if ArrayBuffer::is_view(value) {
        // Any view (a DataView has no slice()): its bytes as a Uint8Array.
        let bytes = Uint8Array::new_with_byte_offset_and_length(
            &super::global::get(value, "buffer").unwrap_or(JsValue::UNDEFINED),
            js_number(value, "byteOffset"),
            js_number(value, "byteLength"),
        );
        return bytes.slice(0, bytes.length()).into();
    }
    value.clone()
}

fn js_number(value: &JsValue, name: &str) -> u32 {
    super::global::get(value, name)
        .and_then(|v| v.as_f64())
        .map_or(0, |n| n as u32)
}

/// The byte length of an ArrayBuffer or a typed array.
fn js_binary_len(value: &JsValue) -> Option<usize> {
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        Some(buffer.byte_length() as usize)
    } else if ArrayBuffer::is_view(value) {
        super::global::get(value, "byteLength")
            .and_then(|v| v.as_f64())
            .map(|n| n as usize)
    } else {
        None
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// Anything with a `send(data)` method: a WebSocket, seen from here.
    type Sendable;
    /// `socket.send(data)` with the JS value as it is: no copy through Rust.
    #[wasm_bindgen(method, structural, js_name = send, catch)]
    fn send(this: &Sendable, data: &JsValue) -> Result<(), JsValue>;
}

/// The close event's fields, read through Reflect: Node's `ws` events are
/// plain objects, and runtimes differ on nulls.
fn close_fields(e: &web_sys::Event) -> (u16, String, bool) {
    let code = super::global::get(e, "code")
        .and_then(|v| v.as_f64())
        .map(|c| c as u16)
        .unwrap_or(1006);
    let reason = super::global::get(e, "reason")
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let clean = super::global::get(e, "wasClean")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    (code, reason, clean)
}

fn open_error(url: &str, error: &JsValue) -> OpenError {
    let (name, message) = describe_error(error);
    match name.as_str() {
        "SyntaxError" => {
            OpenError::InvalidUrl(text!("invalid WebSocket URL ", Quoted(url), ": ", message))
        }
        "SecurityError" => OpenError::Forbidden(text!(
            "connecting to ",
            Quoted(url),
            " is forbidden: ",
            message
        )),
        _ => OpenError::Other(text!(
            "cannot create a WebSocket for ",
            Quoted(url),
            ": ",
            name,
            " ",
            message
        )),
    }
}
