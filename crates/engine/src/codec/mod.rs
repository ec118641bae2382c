//! Codecs turn typed messages into frames and back.
//!
//! [`Json`] (serde_json) is the default; `MessagePack` (rmp-serde) is behind
//! the `msgpack` feature; [`Raw`] passes [`Frame`]s through untouched. A codec
//! error never panics: it becomes an [`DecodeError`] carrying the frame kind
//! and a short preview, and the stream goes on with the next frame.

mod json;
#[cfg(feature = "msgpack")]
mod msgpack;
mod raw;

use core::fmt;

pub use json::Json;
#[cfg(feature = "msgpack")]
#[cfg_attr(docsrs, doc(cfg(feature = "msgpack")))]
pub use msgpack::MessagePack;
pub use raw::Raw;

pub use crate::Frame;

/// Turns an outgoing message into a frame.
pub trait Encode<T: ?Sized> {
    /// Encodes `message`.
    fn encode(&self, message: &T) -> Result<Frame, EncodeError>;
}

/// Turns a received frame into a message.
pub trait Decode<T> {
    /// Decodes `frame`.
    fn decode(&self, frame: Frame) -> Result<T, DecodeError>;
}

/// A message that could not be encoded (a map with non-string keys for JSON,
/// say).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodeError {
    /// What the codec said.
    pub message: String,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode the message: {}", self.message)
    }
}

impl std::error::Error for EncodeError {}

/// How many characters of a bad frame an error shows.
const PREVIEW_CHARS: usize = 64;

/// A frame that could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// "text" or "binary".
    pub kind: &'static str,
    /// The frame's size in bytes.
    pub size: usize,
    /// The frame's start: text as is, binary in hex, cut at 64 characters.
    pub preview: String,
    /// What the codec said.
    pub message: String,
}

impl DecodeError {
    /// An error about `frame`, with its preview.
    pub fn new(frame: &Frame, message: impl Into<String>) -> DecodeError {
        let preview = match frame {
            Frame::Text(text) => {
                let mut p: String = text.chars().take(PREVIEW_CHARS).collect();
                if p.len() < text.len() {
                    p.push('…');
                }
                p
            }
            Frame::Binary(bytes) => {
                let mut p: String = bytes
                    .iter()
                    .take(PREVIEW_CHARS / 2)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if bytes.len() > PREVIEW_CHARS / 2 {
                    p.push('…');
                }
                p
            }
        };
        DecodeError {
            kind: frame.kind(),
            size: frame.len(),
            preview,
            message: message.into(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode a {}-byte {} frame ({}): {:?}",
            self.size, self.kind, self.message, self.preview
        )
    }
}

impl std::error::Error for DecodeError {}
