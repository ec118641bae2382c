//! What is tested here, natively with a fake clock: when the engine connects,
//! retries, waits and gives up. One test per field complaint it answers:
//! - reconnect storms: retries back off with jitter, per instance (FIELD 2);
//! - close codes are honoured; a user close is final (FIELD 5);
//! - the URL is asked for anew before every attempt (FIELD 6);
//! - reconnect() works after max retries and after any stop (FIELD 7);
//! - the very first connection is retried (FIELD 8);
//! - offline, back/forward cache and hidden pages.
#![cfg(not(target_arch = "wasm32"))]
// Tests tweak one field of a default config at a time.
#![allow(clippy::field_reassign_with_default)]

mod support;

use steadysocket_engine::{
    BackoffConfig, ClosedReason, Command, Config, ErrorKind, Event, GiveUp, HiddenPolicy, Input,
    Jitter, PauseReason, State, StateKind, Verdict,
};
use support::{secs, url_for, Server, World};

fn config() -> Config {
    Config::default()
}

fn with_backoff(f: impl FnOnce(&mut BackoffConfig)) -> Config {
    let mut c = Config::default();
    f(c.backoff_mut());
    c
}

#[test]
fn the_first_connection_is_retried_when_it_fails() {
    let mut w = World::new(config());
    w.server = Server::Down;
    w.input(Input::Connect);
    assert_eq!(w.state(), StateKind::Waiting);
    w.server = Server::Up;
    w.advance(secs(6)); // the first retry comes within 2..6 s
    assert!(w.is_open(), "the first connection was not retried");
}

#[test]
fn the_first_connection_can_be_set_to_fail_fast() {
    let mut w = World::new(with_backoff(|b| {
        b.set_retry_first_connect(false);
    }));
    w.server = Server::Down;
    w.input(Input::Connect);
    assert_eq!(
        w.engine.state(),
        &State::Closed(ClosedReason::GaveUp(GiveUp::FirstConnect))
    );
}

#[test]
fn the_url_is_asked_for_anew_before_every_attempt() {
    let mut w = World::new(config());
    w.server = Server::Down;
    w.input(Input::Connect);
    w.advance(secs(40));
    let urls: Vec<String> = w
        .log
        .iter()
        .filter_map(|(_, c)| match c {
            Command::Open { endpoint, .. } => Some(endpoint.url.clone()),
            _ => None,
        })
        .collect();
    assert!(urls.len() >= 3, "only {} attempts", urls.len());
    let expected: Vec<String> = (1..=urls.len() as u32).map(url_for).collect();
    assert_eq!(
        urls, expected,
        "each attempt must use a freshly resolved URL"
    );
}

#[test]
fn a_failing_url_provider_is_retried_like_a_failed_connection() {
    let mut w = World::new(config());
    w.engine.handle(w.now, Input::Connect);
    let socket = w
        .engine
        .drain_commands()
        .find_map(|c| match c {
            Command::Resolve { socket, .. } => Some(socket),
            _ => None,
        })
        .expect("no resolve");
    w.input(Input::Resolved {
        socket,
        result: Err("token endpoint down".into()),
    });
    assert_eq!(w.state(), StateKind::Waiting);
    assert!(w.events().contains(&Event::Error {
        kind: ErrorKind::Url,
        message: "the URL provider failed: token endpoint down".into()
    }));
    w.advance(secs(6)); // the first retry comes within 2..6 s
    assert!(w.is_open());
}

#[test]
fn failed_attempts_never_retry_faster_than_the_backoff_no_storm() {
    // websocket-ts made 148 attempts in one second; here, with no delay floor
    // at all (full jitter), a dead server sees few attempts per second.
    let mut w = World::new(with_backoff(|b| {
        b.set_max_retries(Some(3));
    }));
    w.server = Server::Down;
    w.input(Input::Connect);
    w.advance(secs(1));
    assert!(
        w.open_times().len() <= 3,
        "{} attempts in 1 s",
        w.open_times().len()
    );
    w.advance(secs(60));
    assert_eq!(w.open_times().len(), 4, "1 attempt + 3 retries");
    assert_eq!(
        w.engine.state(),
        &State::Closed(ClosedReason::GaveUp(GiveUp::MaxRetries(3)))
    );
}

#[test]
fn jitter_differs_between_two_instances_created_in_the_same_millisecond() {
    let delays = |seed| {
        let mut w = World::seeded(config(), seed);
        w.server = Server::Down;
        w.input(Input::Connect);
        w.advance(secs(30));
        w.retry_delays()
    };
    let (a, b) = (delays(0x1234), delays(0x1235));
    assert!(a.len() >= 3 && b.len() >= 3);
    assert_ne!(a[0], b[0], "first retries coincide");
    assert_ne!(a, b);
}

#[test]
fn each_retry_delay_lies_within_its_backoff_bounds() {
    for jitter in [
        Jitter::Full,
        Jitter::Equal,
        Jitter::Decorrelated,
        Jitter::Proportional(0.2),
        Jitter::None,
    ] {
        let c = with_backoff(|b| {
            b.set_jitter(jitter);
        });
        let bounds = c.backoff().clone();
        let mut w = World::new(c);
        w.server = Server::Down;
        w.input(Input::Connect);
        w.advance(secs(300));
        for (attempt, delay) in w.retry_delays().into_iter().enumerate() {
            let (low, high) = steadysocket_engine::Backoff::bounds(&bounds, attempt as u32);
            assert!(
                low <= delay && delay <= high,
                "{jitter:?} #{attempt}: {delay:?} outside {low:?}..={high:?}"
            );
        }
    }
}

#[test]
fn a_connection_that_stays_up_resets_the_retry_counter_and_a_flapping_one_does_not() {
    let mut w = World::new(with_backoff(|b| {
        b.set_jitter(Jitter::None);
        b.set_initial(secs(1));
        b.set_multiplier(2.0);
    }));
    w.input(Input::Connect);
    for _ in 0..3 {
        w.server_close(1006, "");
        let delay = *w.retry_delays().last().expect("a retry");
        w.advance(delay);
        assert!(w.is_open());
    }
    // Each connection dropped at once after opening, under min_uptime (5 s):
    // the delays keep growing.
    assert_eq!(w.retry_delays(), vec![secs(1), secs(2), secs(4)]);
    w.advance(secs(6)); // up for more than min_uptime
    w.server_close(1006, "");
    assert_eq!(
        w.retry_delays().last(),
        Some(&secs(1)),
        "counter did not reset"
    );
}

#[test]
fn close_1000_from_the_server_stops() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    w.server_close(1000, "bye");
    assert!(
        matches!(w.engine.state(), State::Closed(ClosedReason::Policy(info)) if info.code == 1000)
    );
    w.advance(secs(600));
    assert_eq!(w.open_times().len(), 1);
}

#[test]
fn close_1008_does_not_loop() {
    for code in [1008, 1009, 1002, 1003, 1007, 1010, 1015, 3000, 3003] {
        let mut w = World::new(config());
        w.input(Input::Connect);
        w.server_close(code, "policy");
        w.advance(secs(600));
        assert_eq!(w.open_times().len(), 1, "close {code} reconnected");
        assert_eq!(w.state(), StateKind::Closed);
    }
}

#[test]
fn going_away_no_status_and_abnormal_closes_reconnect() {
    for code in [1001, 1005, 1006, 1011, 1014, 4000, 4999, 3008] {
        let mut w = World::new(config());
        w.input(Input::Connect);
        w.server_close(code, "");
        assert_eq!(w.state(), StateKind::Waiting, "close {code}");
        w.advance(secs(6)); // the first retry comes within 2..6 s
        assert!(w.is_open(), "close {code} did not reconnect");
    }
}

#[test]
fn service_restart_and_try_again_later_wait_five_to_thirty_seconds() {
    for code in [1012, 1013] {
        for seed in 0..20 {
            let mut w = World::seeded(config(), seed);
            w.input(Input::Connect);
            w.server_close(code, "restart");
            let delay = w.retry_delays()[0];
            assert!(secs(5) <= delay && delay <= secs(30), "{code}: {delay:?}");
        }
    }
}

#[test]
fn a_close_hook_decides_for_application_codes() {
    let mut c = config();
    c.set_close_hook(Some(Box::new(|info| match info.code {
        4401 => Some(Verdict::Stop),
        1000 if info.reason == "deploy" => Some(Verdict::Reconnect),
        _ => None,
    })));
    let mut w = World::new(c);
    w.input(Input::Connect);
    w.server_close(1000, "deploy");
    assert_eq!(
        w.state(),
        StateKind::Waiting,
        "the hook turned 1000 into a reconnect"
    );
    w.advance(secs(6)); // the first retry comes within 2..6 s
    w.server_close(4401, "token expired");
    assert_eq!(w.state(), StateKind::Closed);
}

#[test]
fn a_user_close_is_final_and_reconnect_revives_the_socket() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    w.input(Input::Close {
        code: 1000,
        reason: "done".into(),
    });
    assert_eq!(w.state(), StateKind::Closing);
    let socket = w.socket.expect("socket");
    // The server answers with a clean close: no reconnect, whatever the code.
    w.input(Input::Closed {
        socket,
        code: 1006,
        reason: String::new(),
        clean: false,
    });
    assert_eq!(
        w.engine.state(),
        &State::Closed(ClosedReason::User {
            code: 1000,
            reason: "done".into()
        })
    );
    w.advance(secs(600));
    assert_eq!(w.open_times().len(), 1);
    w.input(Input::Reconnect);
    assert!(w.is_open());
}

#[test]
fn a_user_close_lets_go_when_the_server_never_answers() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    w.input(Input::Close {
        code: 4000,
        reason: String::new(),
    });
    w.advance(secs(3));
    assert_eq!(w.state(), StateKind::Closed);
    assert!(w.live.is_empty(), "the socket was not let go");
}

#[test]
fn close_codes_and_reasons_a_browser_would_reject_are_refused() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    for code in [1001, 1006, 2000, 5000] {
        assert!(
            w.engine.close(w.now, code, String::new()).is_err(),
            "{code} accepted"
        );
    }
    assert!(
        w.engine.close(w.now, 1000, "é".repeat(62)).is_err(),
        "124-byte reason accepted"
    );
    assert!(w.is_open(), "a refused close changed the state");
}

#[test]
fn reconnect_works_after_max_retries() {
    let mut w = World::new(with_backoff(|b| {
        b.set_max_retries(Some(2));
    }));
    w.server = Server::Down;
    w.input(Input::Connect);
    w.advance(secs(120));
    assert!(matches!(
        w.engine.state(),
        State::Closed(ClosedReason::GaveUp(_))
    ));
    assert!(w.events().contains(&Event::GaveUp(GiveUp::MaxRetries(2))));
    w.server = Server::Up;
    w.input(Input::Reconnect);
    assert!(w.is_open(), "reconnect() was dead after giving up");
    // And the retry budget is whole again.
    w.server = Server::Down;
    w.server_close(1006, "");
    w.advance(secs(120));
    assert_eq!(
        w.open_times().len(),
        3 + 1 + 2,
        "3 before giving up, 1 reconnect, 2 retries"
    );
}

#[test]
fn reconnect_after_a_policy_stop_and_while_waiting() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    w.server_close(1008, "auth");
    w.input(Input::Reconnect);
    assert!(w.is_open());
    w.server = Server::Down;
    w.server_close(1006, "");
    assert_eq!(w.state(), StateKind::Waiting);
    w.server = Server::Up;
    w.input(Input::Reconnect);
    assert!(
        w.is_open(),
        "reconnect() while waiting must connect at once"
    );
}

#[test]
fn the_time_budget_gives_up() {
    let mut w = World::new(with_backoff(|b| {
        b.set_budget(Some(secs(20)));
    }));
    w.server = Server::Down;
    w.input(Input::Connect);
    w.advance(secs(60));
    assert_eq!(
        w.engine.state(),
        &State::Closed(ClosedReason::GaveUp(GiveUp::Budget))
    );
    let last = *w.open_times().last().expect("attempts");
    assert!(last.since_origin() <= secs(20));
}

#[test]
fn an_attempt_that_hangs_is_abandoned_at_the_connect_timeout() {
    let mut w = World::new(with_backoff(|b| {
        b.set_connect_timeout(secs(4));
    }));
    w.server = Server::Silent;
    w.input(Input::Connect);
    w.advance(secs(4));
    assert!(w.live.is_empty(), "the hung socket was not let go");
    assert_eq!(w.state(), StateKind::Waiting);
}

#[test]
fn invalid_urls_stop_with_the_message() {
    let mut w = World::new(config());
    w.server = Server::Silent;
    w.input(Input::Connect);
    let socket = w.live[0];
    w.input(Input::OpenFailed {
        socket,
        error: steadysocket_engine::OpenError::InvalidUrl("'http://x' is not a ws: URL".into()),
    });
    assert_eq!(
        w.engine.state(),
        &State::Closed(ClosedReason::Invalid("'http://x' is not a ws: URL".into()))
    );
}

#[test]
fn offline_pauses_retries_without_spending_them_and_online_tries_at_once() {
    let mut w = World::new(with_backoff(|b| {
        b.set_max_retries(Some(2));
    }));
    w.input(Input::Connect);
    w.input(Input::Offline);
    w.server = Server::Down;
    w.server_close(1006, "");
    assert!(matches!(
        w.engine.state(),
        State::Paused {
            why: PauseReason::Offline,
            ..
        }
    ));
    w.advance(secs(3600));
    assert_eq!(w.open_times().len(), 1, "retried while offline");
    w.server = Server::Up;
    w.input(Input::Online);
    assert!(w.is_open(), "online did not try at once");
}

#[test]
fn a_restore_from_the_back_forward_cache_reconnects_at_once() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    w.advance(secs(10));
    // Chrome closes the socket of a page entering the cache; the restored page
    // sees 1006 and the pageshow event, in either order.
    w.input(Input::Restored);
    w.server_close(1006, "");
    assert!(w.is_open(), "restore + close did not reconnect at once");
    w.advance(secs(10));
    w.server = Server::Down;
    w.server_close(1006, "");
    w.server = Server::Up;
    assert_eq!(w.state(), StateKind::Waiting);
    w.input(Input::Restored);
    assert!(w.is_open(), "close + restore did not reconnect at once");
}

#[test]
fn a_hidden_page_can_close_after_a_while_and_reconnects_when_visible() {
    let mut c = config();
    c.set_hidden(HiddenPolicy::CloseAfter(secs(60)));
    let mut w = World::new(c);
    w.input(Input::Connect);
    w.input(Input::Hidden);
    w.advance(secs(59));
    assert!(w.is_open());
    w.advance(secs(1));
    assert!(matches!(
        w.engine.state(),
        State::Paused {
            why: PauseReason::Hidden,
            ..
        }
    ));
    assert!(w.live.is_empty());
    w.input(Input::Visible);
    assert!(w.is_open());
}

#[test]
fn events_of_an_old_socket_are_ignored() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    let old = w.socket.expect("open");
    w.input(Input::Reconnect);
    let new = w.socket.expect("open");
    assert_ne!(old, new);
    w.input(Input::Closed {
        socket: old,
        code: 1006,
        reason: String::new(),
        clean: false,
    });
    w.input(Input::Received {
        socket: old,
        frame: "stale".into(),
    });
    assert!(w.is_open());
    assert!(w.delivered().is_empty());
}

fn close_events(w: &World) -> Vec<(u16, String)> {
    w.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Close(info) => Some((info.code, info.reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_close_frame_with_no_close_event_is_reported_as_1006_within_check_plus_close_timeout() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    assert!(w.is_open());
    // The server's close frame arrived; the socket reads CLOSING and stays so.
    w.socket_closing = true;
    w.advance(secs(1)); // the next readyState check finds it
    assert!(
        close_events(&w).is_empty(),
        "reported before the close timeout"
    );
    // Sends meanwhile are queued, never handed to the closing socket as "sent".
    assert!(matches!(
        w.send("meanwhile"),
        Ok(steadysocket_engine::SendOutcome::Queued(_))
    ));
    w.advance(secs(3)); // close_timeout
    let closes = close_events(&w);
    assert_eq!(closes.len(), 1, "{closes:?}");
    assert_eq!(closes[0].0, 1006);
    assert!(
        closes[0].1.contains("close code is unknown"),
        "{}",
        closes[0].1
    );
    // 1006 reconnects with backoff, and the queued message goes out then.
    assert_eq!(w.state(), StateKind::Waiting);
    w.socket_closing = false;
    w.advance(secs(6));
    assert!(w.is_open());
    assert_eq!(
        w.transmitted().last().map(String::as_str),
        Some("meanwhile")
    );
}

#[test]
fn a_close_event_that_follows_the_closing_state_is_honoured_with_its_code() {
    let mut w = World::new(config());
    w.input(Input::Connect);
    w.socket_closing = true;
    w.advance(secs(1));
    // Chromium (after its own 2 s) and the `ws` package do report the code.
    w.server_close(1000, "bye");
    assert_eq!(close_events(&w), [(1000, "bye".to_string())]);
    assert_eq!(w.state(), StateKind::Closed, "1000 from the server stops");
    w.advance(secs(10));
    assert_eq!(close_events(&w).len(), 1, "no second close at the timeout");
}

/// A strategy of the app's own: 1 s, 2 s, 3 s, ... capped at the maximum.
#[derive(Debug)]
struct Linear;

impl steadysocket_engine::BackoffStrategy for Linear {
    fn delay(
        &self,
        attempt: u32,
        _previous: Option<std::time::Duration>,
        _config: &BackoffConfig,
        _random: &mut steadysocket_engine::Random<'_>,
    ) -> std::time::Duration {
        secs(u64::from(attempt) + 1)
    }
}

#[test]
fn a_backoff_strategy_of_the_apps_own_draws_the_delays_capped_at_the_maximum() {
    let mut w = World::new(with_backoff(|b| {
        b.set_strategy(Some(std::rc::Rc::new(Linear)))
            .set_max(secs(3));
    }));
    w.server = Server::Down;
    w.input(Input::Connect);
    w.advance(secs(30));
    let delays: Vec<u64> = w
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Retrying { delay, .. } => Some(delay.as_secs()),
            _ => None,
        })
        .take(5)
        .collect();
    assert_eq!(delays, [1, 2, 3, 3, 3]);
}
