//! The resume protocol's test vectors, read from docs/PROTOCOL.md: every
//! frame in its table encodes to its bytes and decodes back from them, every
//! byte string it lists as refused is refused, and the subprotocol offer
//! and choice follow its Negotiation section.

use steadysocket_engine::resume::{chosen, offer, Outcome, WireFrame, SUBPROTOCOL};

const PROTOCOL: &str = include_str!("../../../docs/PROTOCOL.md");

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// The backticked parts of `text`, in order.
fn ticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The number after `word ` in `text`.
fn number_after(text: &str, word: &str) -> u64 {
    let rest = &text[text.find(word).unwrap() + word.len()..];
    rest.trim()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A frame from its description in the table.
fn frame(description: &str) -> WireFrame {
    let words: Vec<&str> = description.split_whitespace().collect();
    let quoted = ticked(description);
    match words[0] {
        "data" => WireFrame::Data {
            ack: description
                .contains(", ack")
                .then(|| number_after(description, ", ack")),
            payload: hex(quoted[0]),
        },
        "ack" => WireFrame::Ack(number_after(description, "ack")),
        "ping" => WireFrame::Ping,
        "pong" => WireFrame::Pong,
        "hello" if words[1] == "new" => WireFrame::Hello { resume: None },
        "hello" => WireFrame::Hello {
            resume: Some((hex(quoted[0]), number_after(description, "last"))),
        },
        "welcome" => WireFrame::Welcome {
            outcome: match words[1] {
                "new" => Outcome::New,
                "resumed" => Outcome::Resumed,
                _ => Outcome::Failed,
            },
            session: hex(quoted[0]),
            last: number_after(description, "last"),
        },
        other => panic!("no frame called {other}"),
    }
}

#[test]
fn every_frame_in_the_table_encodes_to_its_bytes_and_back() {
    let table = &PROTOCOL[PROTOCOL.find("<!-- vectors:start -->").unwrap()
        ..PROTOCOL.find("<!-- vectors:end -->").unwrap()];
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| frame") && !l.starts_with("| ---"))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (description, bytes) = (cells[1], hex(ticked(cells[2])[0]));
        let expected = frame(description);
        assert_eq!(expected.encode(), bytes, "{description}");
        assert_eq!(WireFrame::decode(&bytes), Ok(expected), "{description}");
        rows += 1;
    }
    assert!(rows >= 12, "only {rows} vectors read");
}

#[test]
fn the_byte_strings_the_specification_refuses_are_refused() {
    let start = PROTOCOL.find("Byte strings that must be refused:").unwrap();
    let paragraph = &PROTOCOL[start
        ..start
            + PROTOCOL[start..]
                .find("\n\n")
                .unwrap_or(PROTOCOL.len() - start)];
    let refused = ticked(paragraph);
    assert!(refused.len() >= 10, "only {} refusals read", refused.len());
    for bytes in refused {
        assert!(
            WireFrame::decode(&hex(bytes)).is_err(),
            "`{bytes}` was accepted: {:?}",
            WireFrame::decode(&hex(bytes))
        );
    }
}

#[test]
fn data_frames_cost_one_byte_and_any_ack_round_trips() {
    for n in [
        0u64,
        1,
        127,
        128,
        16_383,
        16_384,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let frame = WireFrame::Ack(n);
        assert_eq!(WireFrame::decode(&frame.encode()), Ok(frame));
    }
    let data = WireFrame::Data {
        ack: None,
        payload: vec![7; 100],
    };
    assert_eq!(data.encode().len(), 101);
}

#[test]
fn the_subprotocols_offered_and_what_the_choice_means() {
    let app = vec!["chat.v2".to_string(), "chat.v1".to_string()];
    assert_eq!(
        offer(&app),
        [
            "steadysocket.resume.v1~chat.v2",
            "steadysocket.resume.v1~chat.v1",
            "chat.v2",
            "chat.v1"
        ]
    );
    assert_eq!(offer(&[]), [SUBPROTOCOL]);
    assert_eq!(chosen("steadysocket.resume.v1~chat.v1"), (true, "chat.v1"));
    assert_eq!(chosen(SUBPROTOCOL), (true, ""));
    // The server picked one of the application's own: plain WebSocket.
    assert_eq!(chosen("chat.v2"), (false, "chat.v2"));
    assert_eq!(chosen(""), (false, ""));
}
