/// One WebSocket message: text or binary.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Frame {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

impl Frame {
    /// The payload's size in bytes (UTF-8 bytes for text).
    pub fn len(&self) -> usize {
        match self {
            Frame::Text(s) => s.len(),
            Frame::Binary(b) => b.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// "text" or "binary".
    pub fn kind(&self) -> &'static str {
        match self {
            Frame::Text(_) => "text",
            Frame::Binary(_) => "binary",
        }
    }
}

impl From<String> for Frame {
    fn from(s: String) -> Frame {
        Frame::Text(s)
    }
}

impl From<&str> for Frame {
    fn from(s: &str) -> Frame {
        Frame::Text(s.to_owned())
    }
}

impl From<Vec<u8>> for Frame {
    fn from(b: Vec<u8>) -> Frame {
        Frame::Binary(b)
    }
}

/// A message as the engine queues it and hands it back to transmit: a frame
/// it holds, or only the size of a payload the adapter keeps itself, by the
/// message's id (the npm package keeps JS values, so that what waits never
/// grows wasm memory).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    /// A frame the engine holds.
    Frame(Frame),
    /// A payload of this many bytes, kept by the adapter.
    Kept(usize),
}

impl Payload {
    /// The payload's size in bytes.
    pub fn len(&self) -> usize {
        match self {
            Payload::Frame(f) => f.len(),
            Payload::Kept(n) => *n,
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame, unless the adapter keeps the payload.
    pub fn frame(self) -> Option<Frame> {
        match self {
            Payload::Frame(f) => Some(f),
            Payload::Kept(_) => None,
        }
    }
}

impl From<Frame> for Payload {
    fn from(frame: Frame) -> Payload {
        Payload::Frame(frame)
    }
}
