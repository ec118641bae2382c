//! What is tested here, natively with a fake clock: what happens to messages.
//! - a full outbox never drops a message silently, and stale messages expire
//!   with an event instead of being replayed (FIELD 1);
//! - send while closed is queued or refused, never lost (FIELD 12);
//! - backpressure holds sends above the high watermark (FIELD 14);
//! - the handshake goes out before the queued backlog (FIELD 15);
//! - the heartbeat finds a dead link, checked against the clock so that
//!   throttled timers neither raise false alarms nor miss it (FIELD 3, 4).
#![cfg(not(target_arch = "wasm32"))]
// Tests tweak one field of a default config at a time.
#![allow(clippy::field_reassign_with_default)]

mod support;

use steadysocket_engine::{
    Command, Config, DropReason, Event, Frame, FrameNeed, HeartbeatConfig, Input, MessageId,
    Overflow, Payload, PongMatcher, SendOutcome, StateKind, SubmitError, CLOSE_HEARTBEAT_TIMEOUT,
};
use support::{ms, secs, Server, World};

fn outbox(max_messages: usize, overflow: Overflow) -> Config {
    let mut c = Config::default();
    c.outbox_mut().set_max_messages(max_messages);
    c.outbox_mut().set_overflow(overflow);
    c
}

/// A world whose connection is down (waiting to retry).
fn down(config: Config) -> World {
    let mut w = World::new(config);
    w.input(Input::Connect);
    w.server = Server::Down;
    w.server_close(1006, "");
    assert_eq!(w.state(), StateKind::Waiting);
    w
}

fn reconnect(w: &mut World) {
    w.server = Server::Up;
    w.advance(secs(60));
    assert!(w.is_open());
}

#[test]
fn send_while_down_is_queued_and_flushed_in_order_on_open() {
    let mut w = down(Config::default());
    for i in 0..5 {
        assert!(matches!(
            w.send(&format!("m{i}")),
            Ok(SendOutcome::Queued(_))
        ));
    }
    assert_eq!(w.engine.outbox_len(), (5, 10));
    reconnect(&mut w);
    assert_eq!(w.transmitted(), ["m0", "m1", "m2", "m3", "m4"]);
    assert_eq!(w.engine.outbox_len(), (0, 0));
}

#[test]
fn send_while_closed_is_queued_or_refused_never_lost() {
    // Before the first connect: queued.
    let mut w = World::new(Config::default());
    assert!(matches!(w.send("early"), Ok(SendOutcome::Queued(_))));
    w.input(Input::Connect);
    assert_eq!(w.transmitted(), ["early"]);
    // After a final close: refused, and the message comes back.
    w.input(Input::Close {
        code: 1000,
        reason: String::new(),
    });
    match w.send("late") {
        Err(SubmitError::Closed(frame)) => assert_eq!(frame, Frame::Text("late".into()).into()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_full_outbox_with_reject_hands_the_message_back() {
    let mut w = down(outbox(2, Overflow::Reject));
    w.send("a").unwrap();
    w.send("b").unwrap();
    assert_eq!(
        w.send("c"),
        Err(SubmitError::OutboxFull(Frame::Text("c".into()).into()))
    );
    reconnect(&mut w);
    assert_eq!(w.transmitted(), ["a", "b"]);
}

#[test]
fn queued_messages_dropped_by_a_full_outbox_are_each_reported() {
    let mut w = down(outbox(2, Overflow::DropOldest));
    let ids: Vec<MessageId> = ["a", "b", "c", "d"]
        .iter()
        .map(|m| match w.send(m) {
            Ok(SendOutcome::Queued(id)) => id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        w.dropped(),
        vec![(ids[0], "a".into()), (ids[1], "b".into())]
    );
    reconnect(&mut w);
    assert_eq!(w.transmitted(), ["c", "d"]);

    let mut w = down(outbox(2, Overflow::DropNewest));
    w.send("a").unwrap();
    w.send("b").unwrap();
    let Ok(SendOutcome::Dropped(id)) = w.send("c") else {
        panic!("not dropped")
    };
    assert_eq!(w.dropped(), vec![(id, "c".into())]);
}

#[test]
fn a_message_larger_than_the_outbox_is_refused_with_the_limit() {
    let mut c = Config::default();
    c.outbox_mut().set_max_bytes(4);
    let mut w = down(c);
    assert_eq!(
        w.send("12345"),
        Err(SubmitError::TooLarge {
            frame: Frame::Text("12345".into()).into(),
            limit: 4
        })
    );
}

#[test]
fn stale_queued_messages_expire_with_an_event_instead_of_being_replayed() {
    let mut c = Config::default();
    c.outbox_mut().set_ttl(Some(secs(5)));
    let mut w = down(c);
    w.send("stale").unwrap();
    w.advance(ms(3000));
    w.send_ttl("fresh", secs(60)).unwrap();
    w.advance(ms(2000));
    // Reported when it expires, not only when the link comes back.
    assert_eq!(w.dropped().len(), 1);
    assert!(w.events().iter().any(|e| matches!(
        e,
        Event::Dropped {
            reason: DropReason::Expired,
            ..
        }
    )));
    reconnect(&mut w);
    assert_eq!(w.transmitted(), ["fresh"]);
}

#[test]
fn the_outbox_can_be_inspected_and_drained() {
    let mut w = down(Config::default());
    w.send("a").unwrap();
    w.send("b").unwrap();
    let queued: Vec<&Payload> = w.engine.outbox().map(|(_, f)| f).collect();
    assert_eq!(
        queued,
        [
            &Frame::Text("a".into()).into(),
            &Frame::Text("b".into()).into()
        ]
    );
    let drained: Vec<Payload> = w
        .engine
        .drain_outbox()
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    assert_eq!(drained.len(), 2);
    reconnect(&mut w);
    assert!(w.transmitted().is_empty());
}

#[test]
fn the_handshake_goes_out_before_the_queued_backlog() {
    let mut c = Config::default();
    let mut n = 0;
    c.set_handshake(Some(Box::new(move || {
        n += 1;
        vec![Frame::Text(format!("auth {n}"))]
    })));
    let mut w = World::new(c);
    w.send("queued before connect").unwrap();
    w.input(Input::Connect);
    w.server = Server::Down;
    w.server_close(1006, "");
    w.send("queued while down").unwrap();
    reconnect(&mut w);
    assert_eq!(
        w.transmitted(),
        [
            "auth 1",
            "queued before connect",
            "auth 2",
            "queued while down"
        ]
    );
}

#[test]
fn backpressure_holds_sends_above_the_high_watermark_and_releases_below_the_low() {
    let mut c = Config::default();
    c.backpressure_mut().set_high_watermark(100);
    c.backpressure_mut().set_low_watermark(20);
    let mut w = World::new(c);
    w.input(Input::Connect);
    let big = "x".repeat(60);
    assert!(matches!(w.send(&big), Ok(SendOutcome::Sent(_))));
    assert!(matches!(w.send(&big), Ok(SendOutcome::Sent(_)))); // now 120 > 100: held
    assert!(matches!(w.send("after"), Ok(SendOutcome::Queued(_))));
    w.buffered = 50; // draining, still above the low watermark
    w.advance(ms(50));
    assert_eq!(w.transmitted().len(), 2);
    w.buffered = 10;
    w.advance(ms(50));
    assert_eq!(w.transmitted().last().map(String::as_str), Some("after"));
}

#[test]
fn an_open_socket_holds_big_sends_within_the_held_limit_not_the_offline_outbox_limit() {
    // Defaults: the offline outbox takes 1 MiB; the held limit is larger.
    let mut w = World::new(Config::default());
    w.input(Input::Connect);
    let two_mib = "x".repeat(2 << 20);
    assert!(matches!(w.send(&two_mib), Ok(SendOutcome::Sent(_))));
    // The socket's buffer does not drain: the next ones are held, in order.
    for _ in 0..4 {
        assert!(
            matches!(w.send(&two_mib), Ok(SendOutcome::Queued(_))),
            "an open socket refused a send that backpressure should hold"
        );
    }
    let held_limit = Config::default().outbox().max_held_bytes();
    let too_many = held_limit / (2 << 20) + 1;
    let refused = (0..too_many).filter(|_| w.send(&two_mib).is_err()).count();
    assert!(refused > 0, "the held limit bounds what waits");
    // The socket drains, one big message at a time: each release sends the
    // next, in order.
    for _ in 0..2 * too_many + 8 {
        w.buffered = 0;
        w.advance(ms(100));
    }
    assert_eq!(w.transmitted().len(), 1 + 4 + too_many - refused);
    // Offline, the outbox's own limit applies again.
    w.server = Server::Down;
    w.server_close(1006, "");
    assert!(matches!(
        w.send(&two_mib),
        Err(SubmitError::TooLarge { .. })
    ));
}

#[test]
fn a_failed_transmit_goes_back_to_the_front_of_the_outbox() {
    let mut w = World::new(Config::default());
    w.input(Input::Connect);
    let Ok(SendOutcome::Sent(id)) = w.send("lost?") else {
        panic!("not sent")
    };
    let socket = w.socket.expect("open");
    w.input(Input::TransmitFailed {
        socket,
        id: Some(id),
        frame: Frame::from("lost?").into(),
    });
    w.server = Server::Down;
    w.server_close(1006, "");
    reconnect(&mut w);
    assert_eq!(w.transmitted(), ["lost?", "lost?"]);
}

#[test]
fn empty_messages_are_bounded_by_count_even_with_no_count_limit() {
    let mut c = Config::default();
    c.outbox_mut().set_max_messages(usize::MAX);
    let mut w = World::new(c);
    w.server = Server::Down;
    w.input(Input::Connect);
    let cap = steadysocket_engine::MAX_QUEUED;
    let mut refused = 0;
    for _ in 0..cap + 10 {
        match w.engine.send(w.now, Frame::Text(String::new()), None) {
            Ok(_) => {}
            Err(SubmitError::OutboxFull(_)) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(w.engine.outbox_len().0, cap);
    assert_eq!(refused, 10);
}

#[test]
fn several_failed_transmits_in_a_row_go_back_in_send_order() {
    let mut w = World::new(Config::default());
    w.server = Server::Down;
    w.input(Input::Connect);
    for text in ["one", "two", "three"] {
        assert!(matches!(w.send(text), Ok(SendOutcome::Queued(_))));
    }
    // The link comes up but the socket refuses every transmit of the flush
    // (it was already closing): each comes back to the outbox.
    w.server = Server::Up;
    w.refuse_transmits = true;
    for _ in 0..600 {
        if w.is_open() {
            break;
        }
        w.advance(ms(10));
    }
    assert!(w.is_open());
    assert_eq!(w.failed.len(), 3, "the flush transmitted all three");
    let queued: Vec<String> = w.engine.outbox().map(|(_, f)| text_of(f)).collect();
    assert_eq!(queued, ["one", "two", "three"]);
}

fn text_of(payload: &Payload) -> String {
    match payload {
        Payload::Frame(Frame::Text(t)) => t.clone(),
        other => format!("{other:?}"),
    }
}

fn heartbeat(pong: PongMatcher) -> Config {
    let mut c = Config::default();
    let mut h = HeartbeatConfig::default();
    h.set_interval(secs(10))
        .set_timeout(secs(5))
        .set_ping("ping".into())
        .set_pong(pong);
    c.set_heartbeat(Some(h));
    c
}

#[test]
fn a_silent_link_is_found_dead_within_interval_plus_timeout_and_reconnected() {
    let mut w = World::new(heartbeat(PongMatcher::Any));
    w.input(Input::Connect);
    let first = w.socket;
    w.advance(secs(15));
    assert!(w
        .events()
        .iter()
        .any(|e| matches!(e, Event::Close(info) if info.code == CLOSE_HEARTBEAT_TIMEOUT)));
    assert!(w.log.iter().any(
        |(_, c)| matches!(c, Command::Close { code, .. } if *code == CLOSE_HEARTBEAT_TIMEOUT)
    ));
    w.advance(secs(6)); // the first retry comes within 2..6 s
    assert!(w.is_open() && w.socket != first, "not reconnected");
}

#[test]
fn any_inbound_frame_proves_liveness_and_the_rtt_is_reported() {
    let mut w = World::new(heartbeat(PongMatcher::Any));
    w.input(Input::Connect);
    w.advance(secs(10)); // the first ping
    for _ in 0..5 {
        w.advance(ms(40));
        w.receive("anything");
        w.advance(secs(10) - ms(40)); // the next ping keeps the rhythm
    }
    assert_eq!(w.open_times().len(), 1, "a live link was closed");
    let rtts: Vec<_> = w
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Heartbeat { rtt } => Some(rtt),
            _ => None,
        })
        .collect();
    assert_eq!(rtts, vec![ms(40); 5]);
    assert_eq!(w.delivered().len(), 5, "frames are still delivered");
}

#[test]
fn an_exact_pong_is_swallowed_and_other_frames_do_not_count() {
    let mut w = World::new(heartbeat(PongMatcher::Exact("pong".into())));
    w.input(Input::Connect);
    w.advance(secs(10));
    w.receive("chatter");
    w.advance(secs(5));
    assert_eq!(
        w.state(),
        StateKind::Waiting,
        "chatter must not answer an exact-pong heartbeat"
    );
    w.advance(secs(6)); // the first retry comes within 2..6 s
    assert_eq!(w.open_times().len(), 2);
    w.advance(secs(10));
    w.receive("pong");
    w.advance(secs(5));
    assert_eq!(w.open_times().len(), 2);
    assert_eq!(w.delivered(), ["chatter"]);
}

#[test]
fn a_throttled_timer_that_fires_late_raises_no_false_alarm() {
    let mut w = World::new(heartbeat(PongMatcher::Any));
    w.input(Input::Connect);
    w.advance(secs(10)); // ping sent at 10 s
    w.advance(ms(100));
    w.receive("pong"); // answered at once
                       // A background tab: no timer runs for a minute, then they all fire late.
    w.skip(secs(60));
    w.advance(ms(1));
    assert!(w.is_open(), "a late timer closed a live link");
    assert_eq!(w.open_times().len(), 1);
}

#[test]
fn a_throttled_timer_that_fires_late_still_finds_a_dead_link() {
    let mut w = World::new(heartbeat(PongMatcher::Any));
    w.input(Input::Connect);
    w.advance(secs(10)); // ping sent, never answered
    w.skip(secs(60)); // the pong timer was due at 15 s; it fires at 70 s
    w.advance(ms(1));
    assert!(w
        .events()
        .iter()
        .any(|e| matches!(e, Event::Close(info) if info.code == CLOSE_HEARTBEAT_TIMEOUT)));
}

#[test]
fn a_resumed_page_probes_afresh_instead_of_judging_a_stale_deadline() {
    let mut w = World::new(heartbeat(PongMatcher::Any));
    w.input(Input::Connect);
    w.advance(secs(10)); // ping sent
    w.input(Input::Frozen);
    w.skip(secs(300));
    w.input(Input::Resumed);
    assert!(w.is_open(), "resume judged the frozen time as silence");
    assert_eq!(
        w.transmitted(),
        ["ping", "ping"],
        "no fresh probe on resume"
    );
    w.receive("pong");
    w.advance(secs(5));
    assert!(w.is_open());
}

#[test]
fn frames_the_adapter_delivers_itself_still_prove_the_link_alive() {
    let mut w = World::new(heartbeat(PongMatcher::Any));
    w.input(Input::Connect);
    assert_eq!(w.engine.frame_need(), FrameNeed::Arrival);
    w.advance(secs(10)); // ping sent
    w.advance(ms(25));
    let socket = w.socket.expect("open");
    w.input(Input::Arrived { socket });
    assert!(w.events().contains(&Event::Heartbeat { rtt: ms(25) }));
    assert!(
        w.delivered().is_empty(),
        "the adapter delivers these itself"
    );
    w.advance(secs(5));
    assert!(w.is_open());
    // An exact pong needs the content; without a heartbeat, nothing.
    assert_eq!(
        World::new(heartbeat(PongMatcher::Exact("pong".into())))
            .engine
            .frame_need(),
        FrameNeed::Content
    );
    assert_eq!(
        World::new(Config::default()).engine.frame_need(),
        FrameNeed::Nothing
    );
}

#[test]
fn the_send_fast_path_is_taken_only_when_it_keeps_order() {
    let mut c = Config::default();
    c.backpressure_mut().set_high_watermark(100);
    c.backpressure_mut().set_low_watermark(10);
    let mut w = down(c);
    assert_eq!(
        w.engine.send_now(5),
        None,
        "down: the message must be queued"
    );
    w.send("queued first").unwrap();
    reconnect(&mut w);
    let first = w.engine.send_now(60);
    assert!(first.is_some(), "open, flowing, nothing queued");
    assert!(w.engine.send_now(60).is_some());
    // 120 bytes estimated > 100: held, the socket is asked for its real amount.
    assert_eq!(w.engine.send_now(1), None);
    assert!(matches!(
        w.engine.poll_command(),
        Some(Command::QueryBufferedAmount)
    ));
    let (_, a) = first.unwrap();
    let Ok(SendOutcome::Queued(b)) = w.send("behind the held ones") else {
        panic!("not queued")
    };
    assert!(a < b, "ids keep send order across both paths");
}

#[test]
fn the_direct_allowance_opens_only_when_sends_keep_order_and_stops_at_the_watermark() {
    let mut c = Config::default();
    c.backpressure_mut().set_high_watermark(100);
    c.backpressure_mut().set_low_watermark(10);
    c.set_direct_sends(true);
    let mut w = down(c);
    assert_eq!(w.direct, None, "down: nothing direct");
    w.send("queued first").unwrap();
    reconnect(&mut w);
    assert_eq!(
        w.transmitted(),
        vec!["queued first"],
        "the outbox went first"
    );
    let (socket, left) = w.direct.expect("open and flowing");
    assert_eq!(left, 100 - "queued first".len() as u64);
    // The adapter sent 60 bytes itself, then 60 more: past the watermark,
    // sends are held and the socket is asked for its real buffered amount.
    let from = w.log.len();
    w.sent_directly(socket, 60);
    assert_eq!(w.direct, Some((socket, left - 60)));
    w.sent_directly(socket, 60);
    assert_eq!(w.direct, None, "held");
    assert!(w
        .since(from)
        .any(|c| matches!(c, Command::QueryBufferedAmount)));
    // The socket really holds them: still held, later sends are queued.
    w.buffered += 120;
    w.input(Input::BufferedAmount(w.buffered));
    assert!(matches!(w.send("behind"), Ok(SendOutcome::Queued(_))));
    assert_eq!(w.direct, None, "something is queued");
    // The socket drained: the held message goes, then the allowance is back.
    w.buffered = 0;
    w.input(Input::BufferedAmount(0));
    assert_eq!(w.transmitted().last().map(String::as_str), Some("behind"));
    assert_eq!(w.direct, Some((socket, 100 - "behind".len() as u64)));
    // Bytes counted against a socket that is gone change nothing.
    w.server_close(1006, "");
    w.sent_directly(socket, 1000);
    reconnect(&mut w);
    let (again, left) = w.direct.expect("open again");
    assert_ne!(again, socket);
    assert_eq!(left, 100);
}
