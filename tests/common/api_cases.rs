//! Shared test bodies, the Rust API against the test server: run in headless Chromium and Firefox
//! (browser_*.rs) and in Node 22 (node.rs).
//! - typed round trips: JSON text, raw binary, MessagePack;
//! - the first message, sent the instant the socket opens, is received;
//! - a malformed frame is an error item and the next frame still arrives;
//! - an oversized frame is an error item, not a crash;
//! - an invalid URL and a blocked port give typed errors;
//! - jitter differs between two sockets created in the same millisecond.

use super::{control, scope, within, ws_url};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use steadysocket::codec::Raw;
use steadysocket::engine::{ClosedReason, Frame};
use steadysocket::{Builder, RecvError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    n: u32,
    text: String,
}

pub async fn json_messages_round_trip_typed() {
    let mut socket = Builder::<Note>::new(ws_url("/echo", &scope("api-json")))
        .connect()
        .unwrap();
    let note = Note {
        n: 7,
        text: "héllo ✓".into(),
    };
    socket.send(note.clone()).await.unwrap();
    let back = within(5000, "echo", socket.next()).await.unwrap().unwrap();
    assert_eq!(back, note);
}

pub async fn raw_binary_frames_round_trip() {
    let mut socket = Builder::<Frame>::new(ws_url("/echo", &scope("api-raw")))
        .codec(Raw)
        .connect()
        .unwrap();
    let bytes: Vec<u8> = (0..=255).collect();
    socket.send(Frame::Binary(bytes.clone())).await.unwrap();
    socket.send(Frame::Text("and text".into())).await.unwrap();
    assert_eq!(
        within(5000, "binary", socket.next())
            .await
            .unwrap()
            .unwrap(),
        Frame::Binary(bytes)
    );
    assert_eq!(
        within(5000, "text", socket.next()).await.unwrap().unwrap(),
        Frame::Text("and text".into())
    );
}

#[cfg(feature = "msgpack")]
pub async fn msgpack_messages_round_trip_in_binary_frames() {
    use steadysocket::codec::MessagePack;
    let mut socket = Builder::<Note>::new(ws_url("/echo", &scope("api-msgpack")))
        .codec(MessagePack)
        .connect()
        .unwrap();
    let note = Note {
        n: 42,
        text: "packed".into(),
    };
    socket.send(note.clone()).await.unwrap();
    assert_eq!(
        within(5000, "echo", socket.next()).await.unwrap().unwrap(),
        note
    );
}

#[derive(Debug, Deserialize)]
struct Tick {
    seq: u64,
}

pub async fn the_first_message_sent_the_instant_the_socket_opens_is_received() {
    // The ticker sends seq 1 at once on open, then nothing for a minute.
    let url = format!(
        "{}&interval_ms=60000",
        ws_url("/ticker", &scope("api-first"))
    );
    let mut socket = Builder::<Tick>::new(url).connect().unwrap();
    let tick = within(5000, "first tick", socket.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tick.seq, 1);
}

pub async fn a_malformed_frame_is_an_error_item_and_the_next_frame_still_arrives() {
    let test = scope("api-malformed");
    let mut socket = Builder::<Note>::new(ws_url("/echo", &test))
        .connect()
        .unwrap();
    socket.opened().await.unwrap();
    control("malformed", &test, "kind=json").await;
    match within(5000, "malformed", socket.next()).await {
        Some(Err(RecvError::Decode(e))) => {
            assert_eq!(e.kind, "text");
            assert!(e.preview.starts_with(r#"{"malformed""#), "{}", e.preview);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let note = Note {
        n: 1,
        text: "still here".into(),
    };
    socket.send(note.clone()).await.unwrap();
    assert_eq!(
        within(5000, "good frame", socket.next())
            .await
            .unwrap()
            .unwrap(),
        note
    );
}

pub async fn binary_garbage_for_a_text_codec_is_an_error_not_a_panic() {
    let test = scope("api-kind");
    let mut socket = Builder::<Note>::new(ws_url("/echo", &test))
        .connect()
        .unwrap();
    socket.opened().await.unwrap();
    control("malformed", &test, "kind=binary").await;
    let item = within(5000, "binary garbage", socket.next()).await;
    assert!(
        matches!(item, Some(Err(RecvError::Decode(ref e))) if e.kind == "binary"),
        "{item:?}"
    );
}

pub async fn an_oversized_frame_is_an_error_item_not_a_crash() {
    let test = scope("api-oversized");
    let mut socket = Builder::<Note>::new(ws_url("/echo", &test))
        .max_message_size(1000)
        .connect()
        .unwrap();
    socket.opened().await.unwrap();
    control("oversized", &test, "bytes=5000").await;
    match within(5000, "oversized", socket.next()).await {
        Some(Err(RecvError::TooLarge { size, limit, kind })) => {
            assert_eq!((size, limit, kind), (5000, 1000, "text"))
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let note = Note {
        n: 2,
        text: "after".into(),
    };
    socket.send(note.clone()).await.unwrap();
    assert_eq!(
        within(5000, "next", socket.next()).await.unwrap().unwrap(),
        note
    );
}

pub async fn an_invalid_url_is_a_typed_error() {
    let socket = Builder::<Note>::new("http://[not a url").connect().unwrap();
    match within(5000, "invalid url", socket.opened()).await {
        Err(steadysocket::ClosedError(ClosedReason::Invalid(message))) => {
            assert!(message.contains("invalid WebSocket URL"), "{message}")
        }
        other => panic!("expected an invalid-URL error, got {other:?}"),
    }
}

pub async fn a_blocked_port_is_a_typed_error() {
    // Port 25 (SMTP) and 6667 (IRC) are on the Fetch standard's list of bad
    // ports. Browsers differ in how they refuse them (a SecurityError at once,
    // or error + close 1006 later, which would be retried forever); here
    // every runtime gives one answer: a final, typed error before any byte
    // reaches the network.
    for url in ["ws://127.0.0.1:25/", "wss://example.com:6667/chat"] {
        let socket = Builder::<Note>::new(url).connect().unwrap();
        match within(5000, "blocked port", socket.opened()).await {
            Err(steadysocket::ClosedError(ClosedReason::Invalid(message))) => {
                assert!(message.contains("forbidden"), "{message}");
                assert!(message.contains("port"), "{message}");
            }
            other => panic!("{url}: expected a forbidden-port error, got {other:?}"),
        }
        assert_eq!(socket.state(), steadysocket::StateKind::Closed);
    }
}

pub async fn jitter_differs_between_two_sockets_created_in_the_same_millisecond() {
    let test = scope("api-jitter");
    control("refuse", &test, "ms=5000").await;
    let a = Builder::<Note>::new(ws_url("/echo", &test))
        .connect()
        .unwrap();
    let b = Builder::<Note>::new(ws_url("/echo", &test))
        .connect()
        .unwrap();
    let (mut ea, mut eb) = (a.events(), b.events());
    let retry = |e: &steadysocket::Event| match e {
        steadysocket::Event::Retrying { delay, .. } => Some(*delay),
        _ => None,
    };
    let da = super::wait_for(&mut ea, 5000, "retry a", retry).await;
    let db = super::wait_for(&mut eb, 5000, "retry b", retry).await;
    assert_ne!(da, db, "two sockets drew the same delay");
    control("reset", &test, "").await;
}

/// The sending half as a `Sink`: `send_all` from a stream puts every message
/// on the socket or in the outbox, in order; the receiving half is a
/// `FusedStream`, so `select!` takes `rx.next()` with no `.fuse()`, and is
/// terminated once the socket is closed for good.
pub async fn a_sink_takes_send_all_and_the_receiver_works_in_select_without_fuse() {
    use futures::stream::FusedStream;
    use futures::{FutureExt, SinkExt};
    let socket = Builder::<Note>::new(ws_url("/echo", &scope("api-sink")))
        .connect()
        .unwrap();
    let (mut tx, mut rx) = socket.split();
    let notes: Vec<Note> = (0..20)
        .map(|n| Note {
            n,
            text: "sink".into(),
        })
        .collect();
    // Sent while connecting: the outbox holds them until open.
    let mut source = futures::stream::iter(notes.clone().into_iter().map(Ok));
    tx.send_all(&mut source).await.unwrap();
    let mut back = Vec::new();
    let timeout = gloo_timers::future::TimeoutFuture::new(5000).fuse();
    futures::pin_mut!(timeout);
    while back.len() < notes.len() {
        futures::select! {
            item = rx.next() => back.push(item.expect("the stream goes on").unwrap()),
            _ = timeout => panic!("only {} of {} echoed within 5 s", back.len(), notes.len()),
        }
    }
    assert_eq!(back, notes);
    assert!(!rx.is_terminated());
    // Closing the Sender leaves the shared socket open.
    SinkExt::close(&mut tx).await.unwrap();
    assert_eq!(tx.state(), steadysocket::StateKind::Open);
    tx.close(1000, "done").await.unwrap();
    assert!(within(2000, "the end", rx.next()).await.is_none());
    assert!(rx.is_terminated());
}

/// `events()` begins with the state as it is; `dispose()` frees the socket
/// at once while another handle (a task's receiver) still holds it: the
/// stream ends and later sends fail.
pub async fn events_begin_with_the_current_state_and_dispose_ends_the_stream_at_once() {
    let socket = Builder::<Note>::new(ws_url("/echo", &scope("api-dispose")))
        .connect()
        .unwrap();
    socket.opened().await.unwrap();
    let mut events = socket.events();
    assert_eq!(
        within(1000, "the first event", events.next()).await,
        Some(steadysocket::Event::State(steadysocket::StateKind::Open))
    );
    let (tx, mut rx) = socket.split();
    tx.dispose();
    assert!(within(1000, "the end", rx.next()).await.is_none());
    assert!(matches!(
        tx.try_send(Note {
            n: 1,
            text: "late".into()
        }),
        Err(steadysocket::SendError::Closed(_))
    ));
}

/// The shape of a framework component (the crate README's "In a front-end
/// framework"): on mount a socket, a task that owns the receiver and writes
/// the last message into local state, one that follows the state from
/// `events()`; on unmount `dispose()`, with the task still owning the
/// receiver: both tasks end, and nothing of the socket is left.
pub async fn a_component_keeps_local_state_and_its_unmount_frees_everything() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use steadysocket::{Event, StateKind};
    let before = steadysocket::diagnostics();
    let state = Rc::new(RefCell::new(StateKind::Idle));
    let last: Rc<RefCell<Option<Note>>> = Rc::new(RefCell::new(None));
    let ended = Rc::new(Cell::new(0));
    // Mount.
    let (sender, mut receiver) = Builder::<Note>::new(ws_url("/echo", &scope("api-component")))
        .connect()
        .unwrap()
        .split();
    let mut events = sender.events();
    {
        let (state, ended) = (state.clone(), ended.clone());
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(event) = events.next().await {
                if let Event::State(now) = event {
                    *state.borrow_mut() = now;
                }
            }
            ended.set(ended.get() + 1);
        });
    }
    {
        let (last, ended) = (last.clone(), ended.clone());
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(Ok(message)) = receiver.next().await {
                *last.borrow_mut() = Some(message);
            }
            ended.set(ended.get() + 1);
        });
    }
    let note = Note {
        n: 9,
        text: "component".into(),
    };
    sender.send(note.clone()).await.unwrap();
    let until = |what: &'static str, ok: Box<dyn Fn() -> bool>| async move {
        for _ in 0..100 {
            if ok() {
                return;
            }
            gloo_timers::future::TimeoutFuture::new(20).await;
        }
        panic!("{what} within 2 s");
    };
    {
        let last = last.clone();
        until(
            "the echo",
            Box::new(move || last.borrow().as_ref() == Some(&note)),
        )
        .await;
    }
    assert_eq!(*state.borrow(), StateKind::Open);
    // Unmount: nothing can be awaited, and a task owns the receiver.
    sender.dispose();
    drop(sender);
    {
        let ended = ended.clone();
        until("both tasks ended", Box::new(move || ended.get() == 2)).await;
    }
    // (Sockets of earlier tests may still be closing: at most as many as before.)
    let after = steadysocket::diagnostics();
    assert!(after.sockets <= before.sockets, "no platform socket left");
    assert!(after.listeners <= before.listeners, "no listener left");
    assert!(after.timers <= before.timers, "no timer left");
}
