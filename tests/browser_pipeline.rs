//! What is tested here, in a real browser against the real test server (the
//! pipeline the later suites stand on):
//! - a raw WebSocket to /echo round-trips a text and a binary frame;
//! - the control API's drop reaches the browser as an unclean close 1006;
//! - the control API's close reaches the browser with its code.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{control, report, scope, ws_url, Recorder, Seen};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn echo_round_trips_text_and_binary() {
    let test = scope("pipeline-echo");
    let mut ws = Recorder::open(&ws_url("/echo", &test));
    assert_eq!(ws.next(5000).await, Seen::Open);
    ws.socket.send_with_str("héllo, server").unwrap();
    assert_eq!(ws.next(5000).await, Seen::Text("héllo, server".into()));
    ws.socket.send_with_u8_array(&[0, 1, 2, 254, 255]).unwrap();
    assert_eq!(ws.next(5000).await, Seen::Binary(vec![0, 1, 2, 254, 255]));
    let stats = report("stats", &test).await;
    assert_eq!(stats["endpoints"]["/echo"]["frames_in"], 2);
}

#[wasm_bindgen_test]
async fn server_drop_is_seen_as_an_unclean_1006_close() {
    let test = scope("pipeline-drop");
    let mut ws = Recorder::open(&ws_url("/echo", &test));
    assert_eq!(ws.next(5000).await, Seen::Open);
    let body = control("drop", &test, "").await;
    assert_eq!(body, r#"{"action":"drop","affected":1}"#);
    // Browsers may or may not fire an error first; the close must follow.
    let mut event = ws.next(5000).await;
    if event == Seen::Error {
        event = ws.next(5000).await;
    }
    assert_eq!(
        event,
        Seen::Close {
            code: 1006,
            clean: false
        }
    );
}

#[wasm_bindgen_test]
async fn server_close_reaches_the_browser_with_its_code() {
    let test = scope("pipeline-close");
    let mut ws = Recorder::open(&ws_url("/echo", &test));
    assert_eq!(ws.next(5000).await, Seen::Open);
    control("close", &test, "code=4321&reason=test").await;
    assert_eq!(
        ws.next(5000).await,
        Seen::Close {
            code: 4321,
            clean: true
        }
    );
}
