//! Helpers shared by the browser tests: where the test server is, its control
//! API, and a recorder of a raw WebSocket's events.
#![allow(dead_code)]

pub mod api_cases;
pub mod reconnect_cases;
pub mod resume_cases;

/// One `#[wasm_bindgen_test]` per shared case: `cases!(api_cases: a, b, #[cfg(..)] c)`.
#[macro_export]
macro_rules! cases {
    ($module:ident: $($(#[$attr:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$attr])*
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $name() {
                common::$module::$name().await;
                // Nothing was dropped inside the library (a bug if so).
                assert_eq!(steadysocket::diagnostics().dropped, 0, "work dropped");
            }
        )*
    };
}

use futures::channel::mpsc;
use futures::StreamExt;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// The test server's `host:port`, set by scripts/test.sh when it compiles the tests.
pub fn server() -> &'static str {
    option_env!("STEADYSOCKET_TEST_SERVER").unwrap_or("127.0.0.1:8787")
}

/// A scope name unique to this run, so that the counters of one browser's run
/// never mix with another's on the same server.
pub fn scope(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e9) as u64)
}

/// A WebSocket URL on the test server for `path`, scoped to `test`.
pub fn ws_url(path: &str, test: &str) -> String {
    format!("ws://{}{path}?test={test}", server())
}

/// Calls the control API (`POST /control/{action}?test=..&{query}`); returns the body.
pub async fn control(action: &str, test: &str, query: &str) -> String {
    let url = format!("http://{}/control/{action}?test={test}&{query}", server());
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"method".into(), &"POST".into()).unwrap();
    fetch_text(&url, &init).await
}

/// Reads a control API report (`GET /control/{report}?test=..`) as JSON.
pub async fn report(report: &str, test: &str) -> serde_json::Value {
    let url = format!("http://{}/control/{report}?test={test}", server());
    let text = fetch_text(&url, &js_sys::Object::new()).await;
    serde_json::from_str(&text).unwrap()
}

async fn fetch_text(url: &str, init: &js_sys::Object) -> String {
    // The global fetch works in a page, a worker and Node alike.
    let global = js_sys::global();
    let fetch: js_sys::Function = js_sys::Reflect::get(&global, &"fetch".into())
        .unwrap()
        .unchecked_into();
    let promise: js_sys::Promise = fetch
        .call2(&global, &url.into(), init)
        .unwrap()
        .unchecked_into();
    let response: web_sys::Response = JsFuture::from(promise).await.unwrap().unchecked_into();
    assert!(
        response.ok(),
        "control call {url} failed: {}",
        response.status()
    );
    JsFuture::from(response.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

/// What a raw WebSocket reported.
#[derive(Debug, PartialEq)]
pub enum Seen {
    Open,
    Text(String),
    Binary(Vec<u8>),
    Error,
    Close { code: u16, clean: bool },
}

/// A raw WebSocket with every event recorded in order.
pub struct Recorder {
    pub socket: WebSocket,
    events: mpsc::UnboundedReceiver<Seen>,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Recorder {
    pub fn open(url: &str) -> Recorder {
        let socket = WebSocket::new(url).unwrap();
        socket.set_binary_type(BinaryType::Arraybuffer);
        let (tx, events) = mpsc::unbounded();
        let mut handlers = Vec::new();
        let mut on = |set: &dyn Fn(Option<&js_sys::Function>), f: Box<dyn Fn(JsValue) -> Seen>| {
            let tx = tx.clone();
            let closure = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
                let _ = tx.unbounded_send(f(e));
            });
            set(Some(closure.as_ref().unchecked_ref()));
            handlers.push(closure);
        };
        on(&|f| socket.set_onopen(f), Box::new(|_| Seen::Open));
        on(&|f| socket.set_onerror(f), Box::new(|_| Seen::Error));
        on(
            &|f| socket.set_onclose(f),
            Box::new(|e| {
                let e: CloseEvent = e.unchecked_into();
                Seen::Close {
                    code: e.code(),
                    clean: e.was_clean(),
                }
            }),
        );
        on(
            &|f| socket.set_onmessage(f),
            Box::new(|e| {
                let data = e.unchecked_into::<MessageEvent>().data();
                match data.as_string() {
                    Some(text) => Seen::Text(text),
                    None => Seen::Binary(
                        Uint8Array::new(&data.unchecked_into::<ArrayBuffer>()).to_vec(),
                    ),
                }
            }),
        );
        Recorder {
            socket,
            events,
            _handlers: handlers,
        }
    }

    /// The next event, or a panic after `ms` milliseconds.
    pub async fn next(&mut self, ms: u32) -> Seen {
        let timeout = gloo_timers::future::TimeoutFuture::new(ms);
        futures::select! {
            e = self.events.next() => e.expect("recorder closed"),
            _ = futures::FutureExt::fuse(timeout) => panic!("no WebSocket event within {ms} ms"),
        }
    }
}

/// Runs `future`, failing the test after `ms` milliseconds.
pub async fn within<T>(ms: u32, what: &str, future: impl std::future::Future<Output = T>) -> T {
    use futures::FutureExt;
    let timeout = gloo_timers::future::TimeoutFuture::new(ms).fuse();
    let future = future.fuse();
    futures::pin_mut!(timeout, future);
    futures::select! {
        v = future => v,
        _ = timeout => panic!("{what}: nothing within {ms} ms"),
    }
}

/// Waits for the first event matching `pick`, returning what it picked.
pub async fn wait_for<T>(
    events: &mut futures::channel::mpsc::UnboundedReceiver<steadysocket::Event>,
    ms: u32,
    what: &str,
    mut pick: impl FnMut(&steadysocket::Event) -> Option<T>,
) -> T {
    within(ms, what, async {
        loop {
            let event = events.next().await.expect("event stream ended");
            if let Some(v) = pick(&event) {
                return v;
            }
        }
    })
    .await
}

/// Milliseconds on the monotonic clock the library runs on
/// (`performance.now()`), so that measured delays compare with planned ones.
pub fn now_ms() -> f64 {
    let get = |target: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(target, &name.into()).expect("a property")
    };
    let performance = get(&js_sys::global(), "performance");
    let now: js_sys::Function = get(&performance, "now").into();
    now.call0(&performance)
        .expect("performance.now()")
        .as_f64()
        .expect("a number")
}

/// Sleeps in the browser.
pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// A test for every case in `common::api_cases`, for each runner's file.
#[macro_export]
macro_rules! all_api_cases {
    () => {
        cases!(api_cases:
            json_messages_round_trip_typed,
            raw_binary_frames_round_trip,
            #[cfg(feature = "msgpack")] msgpack_messages_round_trip_in_binary_frames,
            the_first_message_sent_the_instant_the_socket_opens_is_received,
            a_malformed_frame_is_an_error_item_and_the_next_frame_still_arrives,
            binary_garbage_for_a_text_codec_is_an_error_not_a_panic,
            an_oversized_frame_is_an_error_item_not_a_crash,
            an_invalid_url_is_a_typed_error,
            a_blocked_port_is_a_typed_error,
            jitter_differs_between_two_sockets_created_in_the_same_millisecond,
            a_sink_takes_send_all_and_the_receiver_works_in_select_without_fuse,
            events_begin_with_the_current_state_and_dispose_ends_the_stream_at_once,
            a_component_keeps_local_state_and_its_unmount_frees_everything,
        );
    };
}

/// A test for every case in `common::resume_cases`, for each runner's file.
#[macro_export]
macro_rules! all_resume_cases {
    () => {
        cases!(resume_cases:
            resume_soak_delivers_both_directions_once_and_in_order,
            send_acked_resolves_once_processed_and_fails_on_a_lost_session,
        );
    };
}

/// A test for every case in `common::reconnect_cases`, for each runner's file.
#[macro_export]
macro_rules! all_reconnect_cases {
    () => {
        cases!(reconnect_cases:
            a_dropped_link_reconnects_and_delivers_what_was_sent_meanwhile_in_order,
            close_1000_and_1008_from_the_server_stop_and_end_the_stream,
            close_1012_reconnects_after_the_longer_restart_delay,
            a_4xxx_close_follows_the_close_hook,
            a_user_close_is_final_and_reconnect_revives_the_socket,
            invalid_close_codes_are_refused_with_a_typed_error,
            refused_upgrades_are_retried_with_delays_inside_the_backoff_bounds,
            a_black_holed_link_is_found_by_the_heartbeat_within_interval_plus_timeout,
            a_send_waiting_for_room_wakes_when_the_outbox_drains,
        );
    };
}
