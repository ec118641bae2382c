//! What is tested here: random sequences of inputs (server up, down, silent,
//! closes with any code, sends, user closes, reconnects, lifecycle events, clock
//! jumps) against random configurations. Whatever happens:
//! - at most one socket is one the engine acts on: a socket it let go of
//!   (`Command::Discard`, after closing it) gets no command after that, and
//!   its late events (open, message, error, close) change nothing;
//! - no timer stays armed once closed;
//! - retry attempts never exceed the cap;
//! - every retry delay lies within its bounds;
//! - every message leaves the outbox exactly once, by transmit in send order
//!   or by a drop or expiry event (or is still queued, or drained by the user),
//!   also when the socket refuses transmits and they go back to the outbox;
//! - after a user close nothing reconnects until reconnect();
//! - nothing panics.
#![cfg(not(target_arch = "wasm32"))]
// Tests tweak one field of a default config at a time.
#![allow(clippy::field_reassign_with_default)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use proptest::prelude::*;
use steadysocket_engine::{
    Backoff, Command, Config, Event, Frame, HeartbeatConfig, HiddenPolicy, Input, Jitter,
    MessageId, Overflow, PongMatcher, SendOutcome, StateKind,
};
use support::{Server, World};

#[derive(Clone, Debug)]
enum Action {
    Advance(u32),
    Skip(u32),
    Server(Server),
    ServerClose(u16),
    Receive,
    Send(usize),
    SendTtl(usize, u32),
    UserClose(u16),
    Reconnect,
    Connect,
    Drain,
    Buffered(u64),
    Platform(Input),
    /// The socket starts (true) or stops (false) refusing transmits.
    RefuseTransmits(bool),
    /// A late event from the socket let go of last: 0 open, 1 message,
    /// 2 error, 3 close, 4 closing.
    Stale(u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0u32..40_000).prop_map(Action::Advance),
        1 => (0u32..120_000).prop_map(Action::Skip),
        2 => prop_oneof![Just(Server::Up), Just(Server::Down), Just(Server::Silent)].prop_map(Action::Server),
        2 => prop::sample::select(vec![1000u16, 1001, 1005, 1006, 1008, 1011, 1012, 1013, 3000, 4000, 4321])
            .prop_map(Action::ServerClose),
        2 => Just(Action::Receive),
        4 => (0usize..300).prop_map(Action::Send),
        1 => (0usize..300, 1u32..20_000).prop_map(|(n, t)| Action::SendTtl(n, t)),
        1 => prop::sample::select(vec![1000u16, 4000, 1006, 2000]).prop_map(Action::UserClose),
        1 => Just(Action::Reconnect),
        1 => Just(Action::Connect),
        1 => Just(Action::Drain),
        1 => (0u64..4096).prop_map(Action::Buffered),
        1 => any::<bool>().prop_map(Action::RefuseTransmits),
        2 => (0u8..5).prop_map(Action::Stale),
        2 => prop::sample::select(vec![
            Input::Online, Input::Offline, Input::Hidden, Input::Visible,
            Input::Frozen, Input::Resumed, Input::Restored,
        ])
        .prop_map(Action::Platform),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        prop::option::of(0u32..5),
        prop::option::of(1u64..120),
        prop::sample::select(vec![
            Overflow::Reject,
            Overflow::DropOldest,
            Overflow::DropNewest,
        ]),
        1usize..8,
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
            Jitter::Proportional(0.2),
        ]),
        any::<bool>(),
    )
        .prop_map(
            |(max_retries, budget, overflow, max_messages, heartbeat, hidden, jitter, first)| {
                let mut c = Config::default();
                c.backoff_mut().set_max_retries(max_retries);
                c.backoff_mut().set_budget(budget.map(Duration::from_secs));
                c.backoff_mut().set_jitter(jitter);
                c.backoff_mut().set_retry_first_connect(first);
                c.outbox_mut().set_overflow(overflow);
                c.outbox_mut().set_max_messages(max_messages);
                c.outbox_mut().set_max_bytes(600);
                c.backpressure_mut().set_high_watermark(500);
                c.backpressure_mut().set_low_watermark(100);
                if heartbeat {
                    let mut h = HeartbeatConfig::default();
                    h.set_interval(Duration::from_secs(10))
                        .set_timeout(Duration::from_secs(3))
                        .set_ping("ping".into())
                        .set_pong(PongMatcher::Any);
                    c.set_heartbeat(Some(h));
                }
                if hidden {
                    c.set_hidden(HiddenPolicy::CloseAfter(Duration::from_secs(30)));
                }
                c
            },
        )
}

/// What happened to one accepted message.
#[derive(Default, Debug)]
struct Fate {
    transmitted: u32,
    dropped: u32,
    drained: u32,
}

fn run(config: Config, seed: u64, actions: Vec<Action>) -> Result<(), TestCaseError> {
    let max_retries = config.backoff().max_retries();
    let backoff = config.backoff().clone();
    let mut w = World::seeded(config, seed);
    let mut accepted: HashMap<MessageId, Fate> = HashMap::new();
    let mut user_closed_at: Option<usize> = None;
    for action in actions {
        match action {
            Action::Advance(ms) => w.advance(Duration::from_millis(ms.into())),
            Action::Skip(ms) => w.skip(Duration::from_millis(ms.into())),
            Action::Server(s) => w.server = s,
            Action::ServerClose(code) => {
                if w.socket.is_some() {
                    w.server_close(code, "");
                }
            }
            Action::Receive => {
                if w.socket.is_some() {
                    w.receive("hello");
                }
            }
            Action::Send(n) | Action::SendTtl(n, _) => {
                let ttl = match action {
                    Action::SendTtl(_, t) => Some(Duration::from_millis(t.into())),
                    _ => None,
                };
                let r = w.engine.send(w.now, Frame::Text("m".repeat(n)), ttl);
                w.pump();
                if let Ok(
                    SendOutcome::Sent(id) | SendOutcome::Queued(id) | SendOutcome::Dropped(id),
                ) = r
                {
                    accepted.insert(id, Fate::default());
                }
            }
            Action::UserClose(code) => {
                let was_final = w.state() == StateKind::Closed || w.state() == StateKind::Closing;
                let ok = w.engine.close(w.now, code, String::new()).is_ok();
                w.pump();
                if ok && !was_final {
                    user_closed_at = Some(w.log.len());
                }
            }
            Action::Reconnect => {
                w.input(Input::Reconnect);
                user_closed_at = None;
            }
            Action::Connect => w.input(Input::Connect),
            Action::Drain => {
                for (id, _) in w.engine.drain_outbox() {
                    accepted.entry(id).or_default().drained += 1;
                }
            }
            Action::Buffered(n) => {
                w.buffered = n;
                w.input(Input::BufferedAmount(n));
            }
            Action::Platform(input) => w.input(input),
            Action::RefuseTransmits(on) => w.refuse_transmits = on,
            Action::Stale(kind) => {
                if let Some(&socket) = w.discarded.last() {
                    let input = match kind {
                        0 => Input::Opened {
                            socket,
                            protocol: String::new(),
                        },
                        1 => Input::Received {
                            socket,
                            frame: Frame::Text("late".into()),
                        },
                        2 => Input::Error { socket },
                        3 => Input::Closed {
                            socket,
                            code: 1006,
                            reason: String::new(),
                            clean: false,
                        },
                        _ => Input::PeerClosing { socket },
                    };
                    let (before, state) = (w.log.len(), w.state());
                    w.input(input);
                    prop_assert_eq!(
                        w.log.len(),
                        before,
                        "a late event of a socket let go of gave commands"
                    );
                    prop_assert_eq!(
                        w.state(),
                        state,
                        "a late event of a socket let go of changed the state"
                    );
                }
            }
        }
        prop_assert!(w.live.len() <= 1, "sockets alive: {:?}", w.live);
        prop_assert_eq!(
            w.engine.poll_timeout(),
            w.engine.timers().map(|(_, at)| at).min(),
            "poll_timeout is the earliest armed deadline"
        );
        if w.state() == StateKind::Closed {
            prop_assert!(
                w.timers().is_empty(),
                "timers armed while closed: {:?}",
                w.timers()
            );
        }
        if let Some(from) = user_closed_at {
            let revived = w
                .since(from)
                .any(|c| matches!(c, Command::Resolve { .. } | Command::Open { .. }));
            prop_assert!(!revived, "reconnected after a user close");
        }
    }

    // A socket let go of gets no command after its Discard.
    let mut gone = Vec::new();
    for (_, command) in &w.log {
        let target = match command {
            Command::Open { socket, .. }
            | Command::Resolve { socket, .. }
            | Command::Close { socket, .. }
            | Command::Transmit { socket, .. }
            | Command::CheckSocket { socket }
            | Command::Discard { socket } => Some(*socket),
            Command::Direct(Some(a)) => Some(a.socket),
            _ => None,
        };
        if let Some(socket) = target {
            prop_assert!(
                !gone.contains(&socket),
                "{:?} after {:?} was let go of",
                command,
                socket
            );
        }
        if let Command::Discard { socket } = command {
            gone.push(*socket);
        }
    }

    // Retries: within the cap and the bounds.
    for event in w.events() {
        if let Event::Retrying { attempt, delay } = event {
            if let Some(max) = max_retries {
                prop_assert!(attempt <= max, "retry {attempt} beyond the cap {max}");
            }
            let (low, high) = Backoff::bounds(&backoff, attempt - 1);
            let (r_low, r_high) = backoff.restart_delay();
            let in_bounds = (low <= delay && delay <= high)
                || (r_low <= delay && delay <= r_high)
                || delay.is_zero();
            prop_assert!(
                in_bounds,
                "retry {attempt} delay {delay:?} outside {low:?}..={high:?}"
            );
        }
    }

    // Messages: each leaves exactly once, transmits in send order. A
    // transmit the socket refused went back to the outbox: it does not count,
    // and the retransmit must keep the order.
    let mut order = Vec::new();
    let mut refused = w.failed.iter().copied().fold(HashMap::new(), |mut m, id| {
        *m.entry(id).or_insert(0u32) += 1;
        m
    });
    for (_, command) in &w.log {
        match command {
            Command::Transmit { id: Some(id), .. } => {
                if let Some(n) = refused.get_mut(id).filter(|n| **n > 0) {
                    *n -= 1;
                    continue;
                }
                order.push(*id);
                accepted.entry(*id).or_default().transmitted += 1;
            }
            Command::Emit(Event::Dropped { id, .. }) => {
                accepted.entry(*id).or_default().dropped += 1
            }
            _ => {}
        }
    }
    let queued: Vec<MessageId> = w.engine.outbox().map(|(id, _)| id).collect();
    for (id, fate) in &accepted {
        let still_queued = u32::from(queued.contains(id));
        let exits = fate.transmitted + fate.dropped + fate.drained + still_queued;
        prop_assert_eq!(
            exits,
            1,
            "message {:?}: {:?}, queued {}",
            id,
            fate,
            still_queued
        );
    }
    prop_assert!(
        order.windows(2).all(|p| p[0] < p[1]),
        "transmitted out of order: {:?}",
        order
    );
    Ok(())
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=N for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold_for_any_input_sequence(
        config in config(),
        seed in any::<u64>(),
        actions in prop::collection::vec(action(), 1..120),
    ) {
        run(config, seed, actions)?;
    }
}
