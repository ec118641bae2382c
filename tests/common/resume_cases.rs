//! The resume protocol through the Rust API, against the test server's /echo
//! (which speaks it when offered), in headless Chromium and Firefox
//! (browser_api.rs) and Node 22 (node.rs):
//! - the soak: both directions flooded while the server drops, black-holes
//!   and refuses; once the faults stop and replay drains, every message
//!   arrived once and in order. The test command runs a short one (2,000
//!   messages, 10 faults); `npm run soak` sets STEADYSOCKET_SOAK_MESSAGES and
//!   STEADYSOCKET_SOAK_FAULTS at build time for the long one. Each run
//!   prints one line per direction in the format;
//! - send_acked resolves after the server processed the message, and fails
//!   with `Dropped(Resync)` when the server forgot the session.

use super::{control, report, scope, sleep, ws_url};
use futures::StreamExt;
use std::cell::RefCell;
use std::rc::Rc;
use steadysocket::codec::Raw;
use steadysocket::engine::Frame;
use steadysocket::{
    AckError, BackoffConfig, Builder, DropReason, Event, HeartbeatConfig, ResumeConfig,
};

fn setting(value: Option<&str>, default: u64) -> u64 {
    value.and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Which runtime this is, for the soak's lines.
fn runtime() -> &'static str {
    let agent = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .ok()
        .and_then(|n| js_sys::Reflect::get(&n, &"userAgent".into()).ok())
        .and_then(|a| a.as_string())
        .unwrap_or_default();
    if agent.contains("Firefox") {
        "firefox"
    } else if agent.contains("Chrome") && !agent.contains("Node") {
        "chromium"
    } else {
        "node22"
    }
}

/// The number a soak message ends with.
fn number(text: &str) -> Option<u64> {
    text.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

fn builder(test: &str) -> Builder<Frame, Frame, Raw> {
    let mut backoff = BackoffConfig::default();
    backoff
        .set_initial(core::time::Duration::from_millis(20))
        .set_max(core::time::Duration::from_millis(200))
        .set_connect_timeout(core::time::Duration::from_millis(2000))
        .set_retry_first_connect(true);
    let mut heartbeat = HeartbeatConfig::default();
    heartbeat
        .set_interval(core::time::Duration::from_millis(300))
        .set_timeout(core::time::Duration::from_millis(300));
    let mut url = ws_url("/echo", test);
    url.push_str("&echo=0");
    Builder::<Frame, Frame>::new(url)
        .codec(Raw)
        .backoff(backoff)
        .heartbeat(heartbeat)
        .resume(ResumeConfig::default())
}

pub async fn resume_soak_delivers_both_directions_once_and_in_order() {
    let total = setting(option_env!("STEADYSOCKET_SOAK_MESSAGES"), 2000);
    let faults = setting(option_env!("STEADYSOCKET_SOAK_FAULTS"), 10).max(1);
    let test = scope("resume-soak");
    let socket = builder(&test).connect().unwrap();
    let mut events = socket.events();
    socket.opened().await.unwrap();
    let (sender, mut receiver) = socket.split();

    // What the client's application got from the server.
    let got = Rc::new(RefCell::new((0u64, 0u64, 0u64, 0u64))); // delivered, duplicated, reordered, highest
    let seen = Rc::new(RefCell::new(std::collections::HashSet::new()));
    {
        let (got, seen) = (got.clone(), seen.clone());
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(item) = receiver.next().await {
                let Ok(Frame::Text(text)) = item else {
                    continue;
                };
                let Some(n) = number(&text) else { continue };
                let mut g = got.borrow_mut();
                g.0 += 1;
                if !seen.borrow_mut().insert(n) {
                    g.1 += 1;
                } else if n < g.3 {
                    g.2 += 1;
                }
                g.3 = g.3.max(n);
            }
        });
    }
    // Disconnects and drops as the client saw them.
    let counts = Rc::new(RefCell::new((0u64, 0u64))); // closes, policy drops
    {
        let counts = counts.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(event) = events.next().await {
                match event {
                    Event::Close(_) => counts.borrow_mut().0 += 1,
                    Event::Dropped { .. } => counts.borrow_mut().1 += 1,
                    _ => {}
                }
            }
        });
    }

    let per_fault = (total / faults).max(2);
    // Set while a fault is under way: one at a time, each on an open link.
    let busy = Rc::new(std::cell::Cell::new(false));
    let mut produced = 0;
    let mut fault = 0u64;
    for i in 1..=total {
        sender
            .send(Frame::Text(format!("c{i}")))
            .await
            .expect("the outbox takes it");
        // Mid-burst, on an open link: the server sends a burst of its own,
        // and a fault lands while the client goes on sending, so that both
        // ways some messages are in flight when the link breaks.
        if i % per_fault == per_fault / 2 && fault < faults {
            for _ in 0..1000 {
                if !busy.get() && sender.state() == steadysocket::StateKind::Open {
                    break;
                }
                sleep(10).await;
            }
            let n = (i + per_fault / 2).min(total) - produced;
            control("produce", &test, &format!("n={n}")).await;
            produced += n;
            let test = test.clone();
            let kind = fault % 3;
            busy.set(true);
            let done = busy.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match kind {
                    0 => {
                        control("drop", &test, "").await;
                    }
                    1 => {
                        // Unread and unanswered until the heartbeat gives up.
                        control("blackhole", &test, "on=true").await;
                        sleep(700).await;
                        control("drop", &test, "").await;
                        control("blackhole", &test, "on=false").await;
                    }
                    _ => {
                        control("refuse", &test, "ms=150").await;
                        control("drop", &test, "").await;
                    }
                }
                done.set(false);
            });
            fault += 1;
        }
        if i % 50 == 0 {
            sleep(0).await;
        }
    }
    if produced < total {
        control("produce", &test, &format!("n={}", total - produced)).await;
    }
    // The faults stop; replay drains.
    let mut server = serde_json::Value::Null;
    for _ in 0..3000 {
        server = report("resume", &test).await;
        let received = server[0]["received"].as_u64().unwrap_or(0);
        let unacked = sender.resume_stats().map_or(1, |s| s.unacked);
        if received >= total && got.borrow().0 >= total && unacked == 0 && server[0]["unacked"] == 0
        {
            break;
        }
        sleep(20).await;
    }
    let stats = sender.resume_stats().expect("resume is on");
    let (closes, policy_dropped) = *counts.borrow();
    let s = &server[0];
    let up = (
        s["received"].as_u64().unwrap_or(0),
        s["duplicated"].as_u64().unwrap_or(0),
        s["reordered"].as_u64().unwrap_or(0),
    );
    let down = *got.borrow();
    let runtime = runtime();
    let line = |direction: &str, sent: u64, delivered: u64, dup: u64, reord: u64, replayed: u64| {
        format!(
            "resume soak {runtime} {direction}: sent={sent} delivered={delivered} lost={} duplicated={dup} reordered={reord} drops={closes} replayed={replayed} resyncs={} policy_dropped={policy_dropped}",
            sent.saturating_sub(delivered),
            stats.resyncs
        )
    };
    let lines = [
        line(
            "client-to-server",
            stats.sent,
            up.0,
            up.1,
            up.2,
            stats.replayed,
        ),
        line(
            "server-to-client",
            s["produced"].as_u64().unwrap_or(0),
            down.0,
            down.1,
            down.2,
            s["replayed"].as_u64().unwrap_or(0),
        ),
    ];
    for l in &lines {
        web_sys::console::log_1(&l.into());
        // The runner prints what a test logs only when it fails; the server
        // keeps the lines for the runner's log too.
        let line = String::from(js_sys::encode_uri_component(l));
        control("log", &test, &format!("line={line}")).await;
    }
    assert_eq!(stats.sent, total);
    assert_eq!(up, (total, 0, 0), "client to server: {}", lines[0]);
    assert_eq!(
        (down.0, down.1, down.2),
        (total, 0, 0),
        "server to client: {}",
        lines[1]
    );
    assert_eq!(stats.resyncs, 0);
    assert_eq!(policy_dropped, 0);
    assert!(closes >= faults, "{closes} disconnects for {faults} faults");
    assert!(stats.replayed > 0, "the replay path ran: {}", lines[0]);
    sender.dispose();
}

pub async fn send_acked_resolves_once_processed_and_fails_on_a_lost_session() {
    let test = scope("resume-acked");
    let socket = builder(&test).connect().unwrap();
    socket.opened().await.unwrap();
    socket
        .send_acked(Frame::Text("first".into()))
        .await
        .expect("acknowledged");
    let server = report("resume", &test).await;
    assert_eq!(
        server[0]["received"], 1,
        "acknowledged after the server got it"
    );
    // Into a black hole, then the server forgets the session.
    control("blackhole", &test, "on=true").await;
    let pending = socket.send_acked(Frame::Text("lost".into()));
    let forget = async {
        sleep(100).await;
        control("forget", &test, "").await;
        control("drop", &test, "").await;
        control("blackhole", &test, "on=false").await;
    };
    let (result, ()) = futures::join!(pending, forget);
    assert!(
        matches!(result, Err(AckError::Dropped(DropReason::Resync))),
        "{result:?}"
    );
    assert_eq!(socket.resume_stats().map(|s| s.resyncs), Some(1));
    socket.dispose();
}
