use core::fmt;

use crate::codec::{DecodeError, EncodeError};
use crate::engine::{ClosedReason, ConfigError, Frame, GiveUp};
use crate::text::{text, Quoted};

/// Why a send did not go out or into the outbox. The message is handed back.
#[derive(Debug)]
pub enum SendError<T> {
    /// Closed for good (a user close, a stop, giving up) until `reconnect()`.
    Closed(T),
    /// The outbox is full and its overflow policy is reject
    /// ([`Socket::send`](super::Socket::send) waits instead).
    OutboxFull(T),
    /// Larger than the whole outbox may hold.
    TooLarge {
        /// The message.
        message: T,
        /// Its encoded size.
        size: usize,
        /// The outbox's byte limit.
        limit: usize,
    },
    /// The codec could not encode it.
    Encode {
        /// The message.
        message: T,
        /// What the codec said.
        error: EncodeError,
    },
    /// Called from inside an engine hook (a close hook or handshake), where the
    /// socket cannot take a send: return frames from the handshake instead.
    Busy(T),
}

/// Why [`send_acked`](super::Sender::send_acked) did not end with the server's
/// acknowledgement.
#[derive(Debug)]
#[non_exhaustive]
pub enum AckError<T> {
    /// The message was not sent or queued (it is handed back).
    Send(SendError<T>),
    /// It left the outbox or the replay buffer unacknowledged: pushed out of a
    /// full outbox, expired, drained, or lost with the session
    /// ([`DropReason::Resync`](crate::engine::DropReason::Resync)).
    Dropped(crate::engine::DropReason),
    /// The socket closed for good, or was disposed, before the acknowledgement.
    Closed,
    /// The socket has no resume option, or its server did not pick the
    /// protocol: nothing acknowledges messages.
    NoResume,
}

impl<T> fmt::Display for AckError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AckError::Send(e) => e.fmt(f),
            AckError::Dropped(reason) => {
                f.write_str(&text!("the message was dropped (", reason.as_str(), ")"))
            }
            AckError::Closed => f.write_str("the socket closed before the acknowledgement"),
            AckError::NoResume => f.write_str(
                "nothing acknowledges messages: no resume option, or the server did not pick the protocol",
            ),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for AckError<T> {}

impl<T> SendError<T> {
    /// The message that was not sent.
    pub fn into_message(self) -> T {
        match self {
            SendError::Closed(m) | SendError::OutboxFull(m) | SendError::Busy(m) => m,
            SendError::TooLarge { message, .. } | SendError::Encode { message, .. } => message,
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed(_) => {
                f.write_str("the socket is closed; call reconnect() to reopen it")
            }
            SendError::OutboxFull(_) => f.write_str("the outbox is full"),
            SendError::TooLarge { size, limit, .. } => {
                write!(
                    f,
                    "a {size}-byte message does not fit in the outbox ({limit} bytes at most)"
                )
            }
            SendError::Encode { error, .. } => error.fmt(f),
            SendError::Busy(_) => f.write_str("send() was called from inside an engine hook"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SendError<T> {}

/// An item of the receive stream that is not a message. The stream goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// The frame did not decode (malformed, the wrong shape, the wrong frame kind).
    Decode(DecodeError),
    /// The frame was larger than the maximum message size; it was not decoded.
    TooLarge {
        /// "text" or "binary".
        kind: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The platform delivered data of a type no frame can hold.
    Unsupported(String),
    /// The socket closed for good in failure (it gave up, could not be
    /// created, or the server closed with a code that stops it other than
    /// 1000): the stream's last item. A user close and a server's 1000 end
    /// the stream with no error.
    Closed(ClosedError),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Decode(e) => e.fmt(f),
            RecvError::TooLarge { kind, size, limit } => {
                write!(
                    f,
                    "a {size}-byte {kind} frame exceeds the {limit}-byte limit"
                )
            }
            RecvError::Unsupported(what) => write!(f, "cannot read {what}"),
            RecvError::Closed(e) => f.write_str(&e.message()),
        }
    }
}

impl std::error::Error for RecvError {}

impl RecvError {
    pub(crate) fn too_large(frame: &Frame, limit: usize) -> RecvError {
        RecvError::TooLarge {
            kind: frame.kind(),
            size: frame.len(),
            limit,
        }
    }
}

/// The socket closed for good before it opened (or while waiting for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedError(pub ClosedReason);

impl ClosedError {
    /// Why, in words (the `Display` text). Built without `core::fmt`: this
    /// message reaches the npm package (`closedReason`), where formatting
    /// machinery would grow the wasm module.
    pub fn message(&self) -> String {
        match &self.0 {
            ClosedReason::User { code, .. } => text!("closed by the user with ", code),
            ClosedReason::Policy(info) => text!(
                "closed by the server with ",
                info.code,
                " ",
                Quoted(&info.reason)
            ),
            ClosedReason::GaveUp(GiveUp::MaxRetries(n)) => {
                text!("gave up reconnecting: ", n, " retries failed")
            }
            ClosedReason::GaveUp(GiveUp::Budget) => {
                "gave up reconnecting: the retry time budget ran out".into()
            }
            ClosedReason::GaveUp(GiveUp::FirstConnect) => {
                "gave up reconnecting: the first connection failed".into()
            }
            ClosedReason::Invalid(message) => message.clone(),
            ClosedReason::GaveUp(_) => "gave up reconnecting".into(),
            _ => "closed for good".into(),
        }
    }
}

impl fmt::Display for ClosedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ClosedError {}

/// Why [`Builder::connect`](super::Builder::connect) did not start a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// An option is out of range, or options do not fit together.
    Config(ConfigError),
    /// This build does not target `wasm32`: the socket runs on the
    /// platform's `WebSocket`, which only a wasm32 build can reach. The API
    /// compiles everywhere (for `cargo check`, rust-analyzer and docs), but
    /// connects only there.
    NotWasm,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Config(e) => e.fmt(f),
            ConnectError::NotWasm => f.write_str(
                "steadysocket connects only in a wasm32 build (the platform's WebSocket is reached through wasm-bindgen): build for wasm32-unknown-unknown",
            ),
        }
    }
}

impl std::error::Error for ConnectError {}

impl From<ConfigError> for ConnectError {
    fn from(e: ConfigError) -> Self {
        ConnectError::Config(e)
    }
}

/// A JS `Error` with the error's text, so that `?` works in a
/// `#[wasm_bindgen]` function returning `Result<_, JsValue>`.
fn js_error(message: &str) -> wasm_bindgen::JsValue {
    js_sys::Error::new(message).into()
}

impl From<ConnectError> for wasm_bindgen::JsValue {
    fn from(e: ConnectError) -> Self {
        js_error(&e.to_string())
    }
}

impl<T> From<SendError<T>> for wasm_bindgen::JsValue {
    fn from(e: SendError<T>) -> Self {
        js_error(&e.to_string())
    }
}

impl From<RecvError> for wasm_bindgen::JsValue {
    fn from(e: RecvError) -> Self {
        js_error(&e.to_string())
    }
}

impl From<ClosedError> for wasm_bindgen::JsValue {
    fn from(e: ClosedError) -> Self {
        js_error(&e.message())
    }
}
