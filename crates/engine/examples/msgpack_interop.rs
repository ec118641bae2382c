//! MessagePack between this crate's codec and the npm package's module
//! (`steadysocket/msgpack`), run by tests/js/msgpack.test.mjs: prints the
//! bytes the codec writes for a sample (`rust <hex>`), then reads hex lines
//! from stdin, bytes the JS module wrote for the same sample, and says
//! whether each decodes to it (`js equal` or `js differs: ...`).
use std::collections::BTreeMap;
use std::io::BufRead;

use serde::{Deserialize, Serialize};
use steadysocket_engine::codec::{Decode, Encode, MessagePack};
use steadysocket_engine::Frame;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Sample {
    id: u64,
    delta: i64,
    ratio: f64,
    huge: f64,
    name: String,
    tags: Vec<String>,
    scores: BTreeMap<u32, String>,
    missing: Option<String>,
    inner: Inner,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Inner {
    ok: bool,
}

fn sample() -> Sample {
    Sample {
        id: 1 << 60,
        delta: -5,
        ratio: 1.5,
        huge: 1e300,
        name: "héllo ✓".into(),
        tags: vec!["a".into(), "b".into()],
        scores: BTreeMap::from([(1, "one".into()), (2, "two".into())]),
        missing: None,
        inner: Inner { ok: true },
    }
}

fn main() {
    let bytes = match MessagePack.encode(&sample()) {
        Ok(Frame::Binary(bytes)) => bytes,
        other => panic!("the codec wrote {other:?}"),
    };
    println!(
        "rust {}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let bytes: Vec<u8> = (0..line.len() / 2)
            .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        let decoded: Result<Sample, _> = MessagePack.decode(Frame::Binary(bytes));
        match decoded {
            Ok(sample_back) if sample_back == sample() => println!("js equal"),
            other => println!("js differs: {other:?}"),
        }
    }
}
