//! What is tested here, in headless Chromium and Firefox: the reconnect cases
//! in tests/common/reconnect_cases.rs (drops with the outbox delivered in
//! order, close codes 1000/1008/1012/4xxx, user close and reconnect(),
//! refused upgrades within the backoff bounds, heartbeat on a black hole).
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

cases!(reconnect_cases:
    a_dropped_link_reconnects_and_delivers_what_was_sent_meanwhile_in_order,
    close_1000_and_1008_from_the_server_stop_and_end_the_stream,
    close_1012_reconnects_after_the_longer_restart_delay,
    a_4xxx_close_follows_the_close_hook,
    a_user_close_is_final_and_reconnect_revives_the_socket,
    invalid_close_codes_are_refused_with_a_typed_error,
    refused_upgrades_are_retried_with_delays_inside_the_backoff_bounds,
    a_black_holed_link_is_found_by_the_heartbeat_within_interval_plus_timeout,
);
