//! What is tested here, in headless Chromium and Firefox: the Rust API's cases
//! in tests/common/api_cases.rs (typed round trips with each codec, the first
//! message, malformed and oversized frames, invalid URLs and blocked ports,
//! per-socket jitter).
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

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
