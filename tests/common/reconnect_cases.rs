//! Shared test bodies, reconnects against the test server's faults: run in headless Chromium and
//! Firefox (browser_*.rs) and in Node 22 (node.rs).
//! - a dropped connection reconnects, and messages sent while it was down
//!   arrive after it, in send order, as counted at the server;
//! - close 1000 and 1008 from the server stop reconnecting and end the
//!   stream, quietly for 1000 and with the close as its last item for 1008;
//! - close 1012 reconnects after the longer restart delay;
//! - a 4xxx close follows the configured close hook;
//! - a user close is final, and reconnect() revives the socket;
//! - refused upgrades are retried, with measured delays inside the bounds;
//! - a black-holed link is found by the heartbeat within interval + timeout;
//! - a send waiting for room in a full outbox is woken when the outbox is
//!   drained, with nothing else happening.

use super::{control, now_ms, report, scope, sleep, wait_for, within, ws_url};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use steadysocket::engine::{
    Backoff, BackoffConfig, ClosedReason, HeartbeatConfig, Jitter, OutboxConfig, Verdict,
};
use steadysocket::{Builder, ClosedError, Event, RecvError, SendOutcome, StateKind};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    n: u32,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Quick retries for tests: 50 ms to 300 ms.
fn quick() -> BackoffConfig {
    let mut c = BackoffConfig::default();
    c.set_initial(ms(50)).set_max(ms(300));
    c
}

fn state(want: StateKind) -> impl FnMut(&Event) -> Option<()> {
    move |e| matches!(e, Event::State(s) if *s == want).then_some(())
}

async fn accepted(test: &str) -> u64 {
    report("stats", test).await["endpoints"]["/echo"]["accepted"]
        .as_u64()
        .unwrap_or(0)
}

pub async fn a_dropped_link_reconnects_and_delivers_what_was_sent_meanwhile_in_order() {
    let test = scope("rc-drop");
    let mut socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff(quick())
        .connect()
        .unwrap();
    let mut events = socket.events();
    within(5000, "open", socket.opened()).await.unwrap();
    control("drop", &test, "").await;
    wait_for(&mut events, 5000, "the drop", state(StateKind::Waiting)).await;
    for n in 0..5 {
        assert!(matches!(
            socket.try_send(Note { n }),
            Ok(SendOutcome::Queued(_))
        ));
    }
    for n in 0..5 {
        let note = within(5000, "echo after reconnect", socket.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(note, Note { n });
    }
    let received = report("received", &test).await;
    let order: Vec<String> = serde_json::from_value(received).unwrap();
    let expected: Vec<String> = (0..5).map(|n| format!(r#"{{"n":{n}}}"#)).collect();
    assert_eq!(order, expected, "the server got them out of order");
    assert_eq!(accepted(&test).await, 2);
}

pub async fn close_1000_and_1008_from_the_server_stop_and_end_the_stream() {
    for code in [1000, 1008] {
        let test = scope(&format!("rc-{code}"));
        let mut socket = Builder::<Note>::new(ws_url("/echo", &test))
            .backoff(quick())
            .connect()
            .unwrap();
        let mut events = socket.events();
        within(5000, "open", socket.opened()).await.unwrap();
        control("close", &test, &format!("code={code}&reason=stop")).await;
        let info = wait_for(&mut events, 5000, "close", |e| match e {
            Event::Close(info) => Some(info.clone()),
            _ => None,
        })
        .await;
        assert_eq!((info.code, info.reason.as_str()), (code, "stop"));
        // 1000 ends the stream quietly; 1008 (a code that stops it other
        // than 1000) ends it with the reason as its last item.
        if code != 1000 {
            match within(5000, "last item", socket.next()).await {
                Some(Err(RecvError::Closed(ClosedError(ClosedReason::Policy(info))))) => {
                    assert_eq!(info.code, code)
                }
                other => panic!("{code}: expected the close as the last item, got {other:?}"),
            }
        }
        assert!(
            within(5000, "end of stream", socket.next()).await.is_none(),
            "{code}: stream did not end"
        );
        sleep(600).await; // longer than any quick retry
        assert_eq!(accepted(&test).await, 1, "{code} reconnected");
        assert_eq!(socket.state(), StateKind::Closed);
    }
}

pub async fn close_1012_reconnects_after_the_longer_restart_delay() {
    let test = scope("rc-1012");
    let backoff = {
        let mut c = quick();
        c.set_restart_delay((ms(800), ms(1200)));
        c
    };
    let socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff(backoff)
        .connect()
        .unwrap();
    let mut events = socket.events();
    within(5000, "open", socket.opened()).await.unwrap();
    control("close", &test, "code=1012&reason=restart").await;
    let delay = wait_for(&mut events, 5000, "retry", |e| match e {
        Event::Retrying { delay, .. } => Some(*delay),
        _ => None,
    })
    .await;
    let t0 = now_ms();
    assert!(
        ms(800) <= delay && delay <= ms(1200),
        "restart delay {delay:?}"
    );
    wait_for(&mut events, 5000, "reopen", state(StateKind::Open)).await;
    let waited = now_ms() - t0;
    assert!(
        waited >= 790.0,
        "reopened after {waited} ms, before the restart delay"
    );
    assert_eq!(accepted(&test).await, 2);
}

pub async fn a_4xxx_close_follows_the_close_hook() {
    let test = scope("rc-4xxx");
    let socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff(quick())
        .on_close(|info| (info.code == 4401).then_some(Verdict::Stop))
        .connect()
        .unwrap();
    let mut events = socket.events();
    within(5000, "open", socket.opened()).await.unwrap();
    // 4500: not in the hook, the default (reconnect) holds.
    control("close", &test, "code=4500").await;
    wait_for(&mut events, 5000, "retry after 4500", |e| {
        matches!(e, Event::Retrying { .. }).then_some(())
    })
    .await;
    wait_for(&mut events, 5000, "reopen", state(StateKind::Open)).await;
    // 4401: the hook says stop.
    control("close", &test, "code=4401&reason=token%20expired").await;
    wait_for(
        &mut events,
        5000,
        "closed for good",
        state(StateKind::Closed),
    )
    .await;
    sleep(600).await;
    assert_eq!(accepted(&test).await, 2);
}

pub async fn a_user_close_is_final_and_reconnect_revives_the_socket() {
    let test = scope("rc-user");
    let mut socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff(quick())
        .connect()
        .unwrap();
    within(5000, "open", socket.opened()).await.unwrap();
    within(5000, "close", socket.close(1000, "bye"))
        .await
        .unwrap();
    assert_eq!(socket.state(), StateKind::Closed);
    assert!(
        socket.try_send(Note { n: 1 }).is_err(),
        "a send after close must be refused"
    );
    assert!(within(5000, "end", socket.next()).await.is_none());
    sleep(600).await;
    assert_eq!(accepted(&test).await, 1);
    socket.reconnect();
    within(5000, "reopen", socket.opened()).await.unwrap();
    socket.send(Note { n: 2 }).await.unwrap();
    assert_eq!(
        within(5000, "echo", socket.next()).await.unwrap().unwrap(),
        Note { n: 2 }
    );
    assert_eq!(accepted(&test).await, 2);
}

pub async fn invalid_close_codes_are_refused_with_a_typed_error() {
    let socket = Builder::<Note>::new(ws_url("/echo", &scope("rc-badclose")))
        .connect()
        .unwrap();
    within(5000, "open", socket.opened()).await.unwrap();
    assert!(socket.close(1006, "").await.is_err());
    assert!(socket.close(1000, &"x".repeat(124)).await.is_err());
    assert_eq!(socket.state(), StateKind::Open);
}

pub async fn refused_upgrades_are_retried_with_delays_inside_the_backoff_bounds() {
    let test = scope("rc-refuse");
    control("refuse", &test, "ms=1500").await;
    let backoff = {
        let mut c = quick();
        c.set_initial(ms(100))
            .set_max(ms(400))
            .set_multiplier(2.0)
            .set_jitter(Jitter::Equal);
        c
    };
    let bounds = backoff.clone();
    let socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff(backoff)
        .connect()
        .unwrap();
    let mut events = socket.events();
    let mut retries = Vec::new();
    let mut scheduled: Option<(u32, Duration, f64)> = None;
    within(10_000, "open after refusals", async {
        while let Some(event) = events.next().await {
            match event {
                Event::Retrying { attempt, delay } => scheduled = Some((attempt, delay, now_ms())),
                Event::State(StateKind::Connecting) => {
                    if let Some((attempt, delay, at)) = scheduled.take() {
                        retries.push((attempt, delay, now_ms() - at));
                    }
                }
                Event::State(StateKind::Open) => break,
                _ => {}
            }
        }
    })
    .await;
    assert!(retries.len() >= 3, "only {} retries", retries.len());
    for (attempt, delay, measured) in retries {
        let (low, high) = Backoff::bounds(&bounds, attempt - 1);
        assert!(
            low <= delay && delay <= high,
            "retry {attempt}: {delay:?} outside {low:?}..={high:?}"
        );
        let planned = delay.as_secs_f64() * 1000.0;
        // Timers never fire early; 150 ms covers a busy CI machine.
        assert!(
            measured >= planned - 2.0 && measured <= planned + 150.0,
            "retry {attempt}: planned {planned} ms, took {measured} ms"
        );
    }
    assert!(
        report("stats", &test).await["endpoints"]["/echo"]["refused"]
            .as_u64()
            .unwrap()
            >= 3
    );
}

pub async fn a_black_holed_link_is_found_by_the_heartbeat_within_interval_plus_timeout() {
    let test = scope("rc-blackhole");
    let (interval, timeout, tolerance) = (400.0, 400.0, 300.0);
    let heartbeat = {
        let mut c = HeartbeatConfig::default();
        c.set_interval(ms(400)).set_timeout(ms(400));
        c
    };
    let socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff(quick())
        .heartbeat(heartbeat)
        .connect()
        .unwrap();
    let mut events = socket.events();
    within(5000, "open", socket.opened()).await.unwrap();
    let t0 = now_ms();
    control("blackhole", &test, "on=true").await;
    let code = wait_for(&mut events, 5000, "dead link", |e| match e {
        Event::Close(info) => Some(info.code),
        _ => None,
    })
    .await;
    let found = now_ms() - t0;
    assert_eq!(code, steadysocket::engine::CLOSE_HEARTBEAT_TIMEOUT);
    assert!(
        found <= interval + timeout + tolerance,
        "found after {found} ms"
    );
    control("blackhole", &test, "on=false").await;
    wait_for(&mut events, 5000, "reconnect", state(StateKind::Open)).await;
}

pub async fn a_send_waiting_for_room_wakes_when_the_outbox_drains() {
    let test = scope("rc-room");
    control("refuse", &test, "ms=60000").await;
    // The first attempt fails; the retry is a minute away, so nothing else
    // happens while the send waits.
    let socket = Builder::<Note>::new(ws_url("/echo", &test))
        .backoff({
            let mut c = BackoffConfig::default();
            c.set_initial(Duration::from_secs(60))
                .set_max(Duration::from_secs(60))
                .set_jitter(Jitter::None);
            c
        })
        .outbox({
            let mut c = OutboxConfig::default();
            c.set_max_messages(2);
            c
        })
        .connect()
        .unwrap();
    let mut events = socket.events();
    wait_for(&mut events, 5000, "waiting", state(StateKind::Waiting)).await;
    for n in 0..2 {
        assert!(matches!(
            socket.try_send(Note { n }),
            Ok(SendOutcome::Queued(_))
        ));
    }
    // The drain runs in a task of its own, so that only the socket can wake
    // the waiting send.
    let drained = std::rc::Rc::new(std::cell::Cell::new(0));
    let (d, drainer) = (drained.clone(), socket.sender());
    let waiting = socket.sender();
    wasm_bindgen_futures::spawn_local(async move {
        sleep(100).await;
        d.set(drainer.drain_outbox().len());
    });
    let started = now_ms();
    let sent = within(3000, "the waiting send", waiting.send(Note { n: 2 })).await;
    let took = now_ms() - started;
    assert_eq!(drained.get(), 2);
    // Woken by the drain itself (at 100 ms), not by whatever wakes it later.
    assert!(took < 1000.0, "the waiting send took {took} ms");
    assert!(matches!(sent, Ok(SendOutcome::Queued(_))), "{sent:?}");
    control("refuse", &test, "ms=0").await;
}
