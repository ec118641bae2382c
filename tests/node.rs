//! What is tested here, in Node 22 (global WebSocket, no window): the same
//! cases as browser_api.rs and browser_reconnect.rs, from tests/common/.
#![cfg(target_arch = "wasm32")]

mod common;

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
);

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
