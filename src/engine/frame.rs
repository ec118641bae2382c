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
