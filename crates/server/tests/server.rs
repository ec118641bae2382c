//! What is tested here, against the real server on a free port:
//! - /echo returns text and binary frames unchanged; /chat broadcasts to the
//!   room; /ticker sends its first message at once, then counts up;
//! - each fault of the control API: drop, close with a code, refuse, black-hole,
//!   delay, malformed and oversized frames;
//! - counters, the received log, and that faults stay inside their scope.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use steadysocket_test_server::{bind, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn start() -> SocketAddr {
    let config = Config {
        port: 0,
        www: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www"),
        pkg: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pkg"),
        js: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../js"),
    };
    let (addr, serve) = bind(config).await.expect("bind");
    tokio::spawn(serve);
    addr
}

async fn connect(addr: SocketAddr, path_and_query: &str) -> Client {
    let (ws, _) = connect_async(format!("ws://{addr}{path_and_query}"))
        .await
        .expect("connect");
    ws
}

/// A minimal HTTP/1.1 request; returns (status, body).
async fn http(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).await.expect("tcp");
    let req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut buf = String::new();
    tcp.read_to_string(&mut buf).await.expect("read");
    let status = buf[9..12].parse().expect("status");
    let body = buf.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

async fn next(ws: &mut Client) -> Option<Result<Message, Error>> {
    tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("no frame within 5 s")
}

async fn next_data(ws: &mut Client) -> Message {
    loop {
        match next(ws).await {
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => return m,
            Some(Ok(_)) => continue,
            other => panic!("expected a data frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn echo_returns_text_and_binary_unchanged() {
    let addr = start().await;
    let mut ws = connect(addr, "/echo?test=echo").await;
    ws.send(Message::text("héllo")).await.unwrap();
    assert_eq!(next_data(&mut ws).await, Message::text("héllo"));
    ws.send(Message::binary(vec![0u8, 1, 255])).await.unwrap();
    assert_eq!(next_data(&mut ws).await, Message::binary(vec![0u8, 1, 255]));
    let (_, stats) = http(addr, "GET", "/control/stats?test=echo").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["endpoints"]["/echo"]["frames_in"], 2);
    assert_eq!(stats["endpoints"]["/echo"]["frames_out"], 2);
    assert_eq!(stats["endpoints"]["/echo"]["live"], 1);
    let (_, received) = http(addr, "GET", "/control/received?test=echo").await;
    assert_eq!(received, r#"["héllo"]"#);
}

#[tokio::test]
async fn chat_broadcasts_to_every_member_of_the_room() {
    let addr = start().await;
    let mut a = connect(addr, "/chat?test=room").await;
    let mut b = connect(addr, "/chat?test=room").await;
    let mut other_room = connect(addr, "/chat?test=elsewhere").await;
    a.send(Message::text("hi all")).await.unwrap();
    assert_eq!(next_data(&mut a).await, Message::text("hi all"));
    assert_eq!(next_data(&mut b).await, Message::text("hi all"));
    let quiet = tokio::time::timeout(Duration::from_millis(200), other_room.next()).await;
    assert!(quiet.is_err(), "another scope's room got the message");
}

#[tokio::test]
async fn ticker_sends_first_message_at_once_then_counts_up() {
    let addr = start().await;
    let started = Instant::now();
    let mut ws = connect(addr, "/ticker?test=tick&interval_ms=50").await;
    let first = next_data(&mut ws).await;
    assert!(
        started.elapsed() < Duration::from_millis(45),
        "first tick was not immediate"
    );
    assert_eq!(first, Message::text(r#"{"seq":1,"interval_ms":50}"#));
    assert_eq!(
        next_data(&mut ws).await,
        Message::text(r#"{"seq":2,"interval_ms":50}"#)
    );
}

#[tokio::test]
async fn drop_ends_the_connection_without_a_close_frame() {
    let addr = start().await;
    let mut ws = connect(addr, "/echo?test=drop").await;
    let (status, body) = http(addr, "POST", "/control/drop?test=drop").await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"action":"drop","affected":1}"#)
    );
    match next(&mut ws).await {
        Some(Err(Error::Protocol(_))) | None | Some(Err(Error::Io(_))) => {}
        other => panic!("expected an abrupt end, got {other:?}"),
    }
}

#[tokio::test]
async fn close_sends_the_requested_code_and_reason() {
    let addr = start().await;
    let mut ws = connect(addr, "/echo?test=close").await;
    http(
        addr,
        "POST",
        "/control/close?test=close&code=4001&reason=bye",
    )
    .await;
    match next(&mut ws).await {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(frame.code, CloseCode::from(4001));
            assert_eq!(frame.reason.as_str(), "bye");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    let (status, _) = http(addr, "POST", "/control/close?test=close&code=1006").await;
    assert_eq!(status, 400, "1006 cannot be sent on the wire");
}

#[tokio::test]
async fn refuse_answers_503_until_the_time_is_up() {
    let addr = start().await;
    http(addr, "POST", "/control/refuse?test=refuse&ms=300").await;
    match connect_async(format!("ws://{addr}/echo?test=refuse")).await {
        Err(Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
    // Other scopes are not refused.
    connect(addr, "/echo?test=not-refused").await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    connect(addr, "/echo?test=refuse").await;
    let (_, stats) = http(addr, "GET", "/control/stats?test=refuse").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["endpoints"]["/echo"]["refused"], 1);
    assert_eq!(stats["endpoints"]["/echo"]["accepted"], 1);
}

#[tokio::test]
async fn blackhole_stops_traffic_without_closing_and_release_resumes_it() {
    let addr = start().await;
    let mut ws = connect(addr, "/echo?test=bh").await;
    http(addr, "POST", "/control/blackhole?test=bh").await;
    ws.send(Message::text("into the void")).await.unwrap();
    let silent = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(
        silent.is_err(),
        "a black-holed connection answered or closed"
    );
    // Future connections of the scope start black-holed too.
    let mut late = connect(addr, "/echo?test=bh").await;
    late.send(Message::text("late")).await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(200), late.next())
            .await
            .is_err()
    );
    http(addr, "POST", "/control/blackhole?test=bh&on=false").await;
    assert_eq!(next_data(&mut ws).await, Message::text("into the void"));
    assert_eq!(next_data(&mut late).await, Message::text("late"));
}

#[tokio::test]
async fn delay_holds_every_outbound_frame() {
    let addr = start().await;
    let mut ws = connect(addr, "/echo?test=delay").await;
    http(addr, "POST", "/control/delay?test=delay&ms=150").await;
    let sent = Instant::now();
    ws.send(Message::text("slow")).await.unwrap();
    next_data(&mut ws).await;
    assert!(sent.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn malformed_and_oversized_frames_are_sent_on_request() {
    let addr = start().await;
    let mut ws = connect(addr, "/echo?test=bad").await;
    http(addr, "POST", "/control/malformed?test=bad&kind=json").await;
    let Message::Text(text) = next_data(&mut ws).await else {
        panic!("not text")
    };
    assert!(serde_json::from_str::<serde_json::Value>(text.as_str()).is_err());
    http(addr, "POST", "/control/oversized?test=bad&bytes=100000").await;
    let Message::Text(text) = next_data(&mut ws).await else {
        panic!("not text")
    };
    assert_eq!(text.len(), 100_000);
    // Invalid UTF-8 in a text frame is a protocol error the client must notice.
    http(addr, "POST", "/control/malformed?test=bad&kind=utf8").await;
    assert!(matches!(next(&mut ws).await, Some(Err(_))));
}

#[tokio::test]
async fn faults_stay_inside_their_scope_and_endpoint() {
    let addr = start().await;
    let mut mine = connect(addr, "/echo?test=a").await;
    let mut other_scope = connect(addr, "/echo?test=b").await;
    let mut other_endpoint = connect(addr, "/chat?test=a").await;
    let (_, body) = http(addr, "POST", "/control/drop?test=a&endpoint=/echo").await;
    assert_eq!(body, r#"{"action":"drop","affected":1}"#);
    assert!(!matches!(next(&mut mine).await, Some(Ok(Message::Text(_)))));
    for ws in [&mut other_scope, &mut other_endpoint] {
        ws.send(Message::text("still here")).await.unwrap();
        assert_eq!(next_data(ws).await, Message::text("still here"));
    }
}

#[tokio::test]
async fn bad_control_calls_get_a_clear_error() {
    let addr = start().await;
    let (status, body) = http(addr, "POST", "/control/explode").await;
    assert_eq!(status, 400);
    assert!(body.contains("unknown action"), "{body}");
    let (status, body) = http(addr, "POST", "/control/delay?ms=soon").await;
    assert_eq!(status, 400);
    assert!(body.contains("whole number"), "{body}");
}

#[tokio::test]
async fn static_files_are_served() {
    let addr = start().await;
    let (status, body) = http(addr, "GET", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("steadysocket"), "{body}");
}

#[tokio::test]
async fn the_sink_counts_frames_and_answers_nothing() {
    let addr = start().await;
    let mut ws = connect(addr, "/sink?test=sink").await;
    for i in 0..3 {
        ws.send(Message::text(format!("{i}"))).await.unwrap();
    }
    assert!(tokio::time::timeout(Duration::from_millis(200), ws.next())
        .await
        .is_err());
    let (_, stats) = http(addr, "GET", "/control/stats?test=sink").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["endpoints"]["/sink"]["frames_in"], 3);
    assert_eq!(stats["endpoints"]["/sink"]["frames_out"], 0);
}
