use super::{Decode, DecodeError, Encode, EncodeError, Frame};

/// No codec: frames in, frames out. Also sends `String`s as text and byte
/// vectors as binary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Raw;

impl Encode<Frame> for Raw {
    fn encode(&self, message: &Frame) -> Result<Frame, EncodeError> {
        Ok(message.clone())
    }
}

impl Encode<String> for Raw {
    fn encode(&self, message: &String) -> Result<Frame, EncodeError> {
        Ok(Frame::Text(message.clone()))
    }
}

impl Encode<str> for Raw {
    fn encode(&self, message: &str) -> Result<Frame, EncodeError> {
        Ok(Frame::Text(message.to_owned()))
    }
}

impl Encode<Vec<u8>> for Raw {
    fn encode(&self, message: &Vec<u8>) -> Result<Frame, EncodeError> {
        Ok(Frame::Binary(message.clone()))
    }
}

impl Decode<Frame> for Raw {
    fn decode(&self, frame: Frame) -> Result<Frame, DecodeError> {
        Ok(frame)
    }
}

impl Decode<String> for Raw {
    /// Text frames only: a binary frame is an error, not a lossy conversion.
    fn decode(&self, frame: Frame) -> Result<String, DecodeError> {
        match frame {
            Frame::Text(text) => Ok(text),
            other => Err(DecodeError::new(&other, "expected a text frame")),
        }
    }
}

impl Decode<Vec<u8>> for Raw {
    /// Binary frames only.
    fn decode(&self, frame: Frame) -> Result<Vec<u8>, DecodeError> {
        match frame {
            Frame::Binary(bytes) => Ok(bytes),
            other => Err(DecodeError::new(&other, "expected a binary frame")),
        }
    }
}
