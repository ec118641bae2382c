use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Decode, DecodeError, Encode, EncodeError, Frame};

/// JSON in text frames, with serde_json. Binary frames holding UTF-8 JSON are
/// accepted too (some servers send JSON as binary). serde_json's nesting limit
/// of 128 stays on, so a hostile frame cannot exhaust the stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json;

impl<T: Serialize + ?Sized> Encode<T> for Json {
    fn encode(&self, message: &T) -> Result<Frame, EncodeError> {
        serde_json::to_string(message)
            .map(Frame::Text)
            .map_err(|e| EncodeError {
                message: e.to_string(),
            })
    }
}

impl<T: DeserializeOwned> Decode<T> for Json {
    fn decode(&self, frame: Frame) -> Result<T, DecodeError> {
        let result = match &frame {
            Frame::Text(text) => serde_json::from_str(text),
            Frame::Binary(bytes) => serde_json::from_slice(bytes),
        };
        result.map_err(|e| DecodeError::new(&frame, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "lowercase")]
    enum Msg {
        Chat { text: String },
        Ping,
    }

    #[test]
    fn round_trips_a_tagged_enum() {
        let frame = Json.encode(&Msg::Chat { text: "hi".into() }).unwrap();
        assert_eq!(frame, Frame::Text(r#"{"type":"chat","text":"hi"}"#.into()));
        assert_eq!(
            Decode::<Msg>::decode(&Json, frame).unwrap(),
            Msg::Chat { text: "hi".into() }
        );
    }

    #[test]
    fn a_malformed_frame_is_an_error_with_a_preview() {
        let err =
            Decode::<Msg>::decode(&Json, Frame::Text(r#"{"type": "chat", "text": tru"#.into()))
                .unwrap_err();
        assert_eq!(err.kind, "text");
        assert_eq!(err.preview, r#"{"type": "chat", "text": tru"#);
        assert!(
            err.to_string()
                .contains("cannot decode a 28-byte text frame"),
            "{err}"
        );
    }

    #[test]
    fn the_wrong_shape_is_an_error_not_a_panic() {
        assert!(Decode::<Msg>::decode(&Json, Frame::Text(r#"{"type":"nope"}"#.into())).is_err());
        assert!(Decode::<Msg>::decode(&Json, Frame::Binary(vec![0xff, 0x00])).is_err());
        let long = "x".repeat(500);
        let err = Decode::<Msg>::decode(&Json, Frame::Text(long)).unwrap_err();
        assert_eq!(
            err.preview.chars().count(),
            65,
            "64 characters and an ellipsis"
        );
    }

    #[test]
    fn deep_nesting_is_refused_instead_of_overflowing_the_stack() {
        let deep = "[".repeat(100_000);
        let err = Decode::<serde_json::Value>::decode(&Json, Frame::Text(deep)).unwrap_err();
        assert!(err.message.contains("recursion limit"), "{}", err.message);
    }
}
