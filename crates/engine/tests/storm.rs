//! What is tested here: a thundering herd. 10,000 clients lose their server at
//! the same instant; it is back after a restart time. The simulation counts the
//! connection attempts in every 100 ms window and prints the peak for each
//! jitter strategy. The default strategy must keep the peak under 5 % of the
//! clients (FIELD 2: no jitter, or jitter drawn once per page, makes storms).
#![cfg(not(target_arch = "wasm32"))]
// Tests tweak one field of a default config at a time.
#![allow(clippy::field_reassign_with_default)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Duration;

use steadysocket_engine::{
    BackoffConfig, Command, Config, Endpoint, Engine, Input, Jitter, SocketId, Time, Timer,
};

const CLIENTS: usize = 10_000;
const WINDOW_MS: u64 = 100;

struct Outcome {
    peak: usize,
    attempts: usize,
    all_back_ms: u64,
}

/// Runs the herd: every client is open at t=0 and is dropped with 1006; the
/// server refuses every attempt until `restart`.
fn simulate(backoff: &BackoffConfig, restart: Duration) -> Outcome {
    let restart = Time::ZERO + restart;
    let mut engines: Vec<Engine> = (0..CLIENTS)
        .map(|i| {
            let mut config = Config::default();
            config.set_backoff(backoff.clone());
            // Per-instance seeds, as the adapter draws them.
            Engine::new(config, 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1))
        })
        .collect();
    // (deadline, client, timer); timers already replaced are skipped by the engine.
    // (deadline, client): each client's next timeout, as its adapter's one
    // platform timer would hold it; `scheduled` drops entries made stale.
    let mut queue: BinaryHeap<Reverse<(Time, usize)>> = BinaryHeap::new();
    let mut scheduled = vec![None::<Time>; CLIENTS];
    let mut windows: BTreeMap<u64, usize> = BTreeMap::new();
    let mut attempts = 0;
    let mut open = vec![None::<SocketId>; CLIENTS];
    let mut all_back = Time::ZERO;

    let pump = |client: usize,
                now: Time,
                engine: &mut Engine,
                queue: &mut BinaryHeap<Reverse<(Time, usize)>>,
                scheduled: &mut Vec<Option<Time>>,
                open: &mut Vec<Option<SocketId>>,
                windows: &mut BTreeMap<u64, usize>,
                attempts: &mut usize| {
        while let Some(cmd) = engine.poll_command() {
            match cmd {
                Command::Resolve { socket, .. } => {
                    let endpoint = Endpoint::new("ws://herd", vec![]);
                    engine.handle(
                        now,
                        Input::Resolved {
                            socket,
                            result: Ok(endpoint),
                        },
                    );
                }
                Command::Open { socket, .. } => {
                    *attempts += 1;
                    *windows
                        .entry(now.since_origin().as_millis() as u64 / WINDOW_MS)
                        .or_default() += 1;
                    if now < restart {
                        engine.handle(
                            now,
                            Input::Closed {
                                socket,
                                code: 1006,
                                reason: String::new(),
                                clean: false,
                            },
                        );
                    } else {
                        open[client] = Some(socket);
                        engine.handle(
                            now,
                            Input::Opened {
                                socket,
                                protocol: String::new(),
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        // The open socket's readyState check re-arms itself for as long as
        // it is open: it plays no part in the herd, and would keep this queue
        // from ever running dry.
        let next = engine
            .timers()
            .filter(|(t, _)| *t != Timer::SocketCheck)
            .map(|(_, at)| at)
            .min();
        if next != scheduled[client] {
            scheduled[client] = next;
            if let Some(at) = next {
                queue.push(Reverse((at, client)));
            }
        }
    };

    for (client, engine) in engines.iter_mut().enumerate() {
        engine.handle(Time::ZERO, Input::Connect);
        // Connected before the restart: open at once, not counted.
        while let Some(cmd) = engine.poll_command() {
            match cmd {
                Command::Resolve { socket, .. } => engine.handle(
                    Time::ZERO,
                    Input::Resolved {
                        socket,
                        result: Ok(Endpoint::new("ws://herd", vec![])),
                    },
                ),
                Command::Open { socket, .. } => {
                    open[client] = Some(socket);
                    engine.handle(
                        Time::ZERO,
                        Input::Opened {
                            socket,
                            protocol: String::new(),
                        },
                    );
                }
                _ => {}
            }
        }
    }
    for (client, engine) in engines.iter_mut().enumerate() {
        if let Some(socket) = open[client].take() {
            engine.handle(
                Time::ZERO,
                Input::Closed {
                    socket,
                    code: 1006,
                    reason: String::new(),
                    clean: false,
                },
            );
            pump(
                client,
                Time::ZERO,
                engine,
                &mut queue,
                &mut scheduled,
                &mut open,
                &mut windows,
                &mut attempts,
            );
        }
    }
    while let Some(Reverse((at, client))) = queue.pop() {
        if scheduled[client] != Some(at) {
            continue;
        }
        scheduled[client] = None;
        let engine = &mut engines[client];
        engine.handle(at, Input::Timeout);
        pump(
            client,
            at,
            engine,
            &mut queue,
            &mut scheduled,
            &mut open,
            &mut windows,
            &mut attempts,
        );
        if open[client].is_some() {
            all_back = all_back.max(at);
        }
    }
    Outcome {
        peak: windows.values().copied().max().unwrap_or(0),
        attempts,
        all_back_ms: all_back.since_origin().as_millis() as u64,
    }
}

#[test]
fn the_default_backoff_keeps_a_herd_of_10000_under_5_percent_per_100_ms() {
    let strategies: [(&str, Jitter); 5] = [
        ("none", Jitter::None),
        ("proportional ±20 %", Jitter::Proportional(0.2)),
        ("equal", Jitter::Equal),
        ("decorrelated", Jitter::Decorrelated),
        ("full", Jitter::Full),
    ];
    let restart = Duration::from_secs(5);
    println!("{CLIENTS} clients dropped at once, server back after {restart:?}:");
    println!(
        "{:<22} {:>10} {:>8} {:>10} {:>12}",
        "jitter", "initial", "peak", "of all", "all back"
    );
    let defaults = BackoffConfig::default();
    for initial in [Duration::from_secs(1), defaults.initial()] {
        for (name, jitter) in strategies {
            let mut config = defaults.clone();
            config.set_jitter(jitter).set_initial(initial);
            let o = simulate(&config, restart);
            println!(
                "{name:<22} {:>9.1}s {:>8} {:>9.1}% {:>10.1}s   ({} attempts)",
                initial.as_secs_f64(),
                o.peak,
                o.peak as f64 * 100.0 / CLIENTS as f64,
                o.all_back_ms as f64 / 1000.0,
                o.attempts
            );
        }
    }
    let o = simulate(&defaults, restart);
    assert!(
        o.peak * 20 < CLIENTS,
        "default peak {} is not under 5 % of {CLIENTS}",
        o.peak
    );
    // Lockstep is what the test exists to catch: no jitter puts everyone in one window.
    let mut lockstep = defaults;
    lockstep.set_jitter(Jitter::None);
    let lockstep = simulate(&lockstep, restart);
    assert_eq!(lockstep.peak, CLIENTS);
}
