use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Decode, DecodeError, Encode, EncodeError, Frame};

/// MessagePack in binary frames, with rmp-serde. Structs are encoded as maps
/// (field names included), so both sides may add fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessagePack;

impl<T: Serialize + ?Sized> Encode<T> for MessagePack {
    fn encode(&self, message: &T) -> Result<Frame, EncodeError> {
        rmp_serde::to_vec_named(message)
            .map(Frame::Binary)
            .map_err(|e| EncodeError {
                message: e.to_string(),
            })
    }
}

impl<T: DeserializeOwned> Decode<T> for MessagePack {
    /// Binary frames only: a text frame is an error.
    fn decode(&self, frame: Frame) -> Result<T, DecodeError> {
        match &frame {
            Frame::Binary(bytes) => {
                rmp_serde::from_slice(bytes).map_err(|e| DecodeError::new(&frame, e.to_string()))
            }
            Frame::Text(_) => Err(DecodeError::new(
                &frame,
                "expected a binary MessagePack frame",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Tick {
        seq: u64,
        data: Vec<u8>,
    }

    #[test]
    fn round_trips_a_struct_in_a_binary_frame() {
        let tick = Tick {
            seq: 7,
            data: vec![1, 2, 3],
        };
        let frame = MessagePack.encode(&tick).unwrap();
        assert_eq!(frame.kind(), "binary");
        assert_eq!(Decode::<Tick>::decode(&MessagePack, frame).unwrap(), tick);
    }

    #[test]
    fn a_text_frame_or_garbage_is_an_error() {
        assert!(Decode::<Tick>::decode(&MessagePack, Frame::Text("{}".into())).is_err());
        let err = Decode::<Tick>::decode(&MessagePack, Frame::Binary(vec![0xc1, 0xff, 0x00]))
            .unwrap_err();
        assert_eq!((err.kind, err.preview.as_str()), ("binary", "c1ff00"));
    }
}
