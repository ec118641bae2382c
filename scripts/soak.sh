#!/usr/bin/env bash
# The resume soak (npm run soak): for Node 22, headless Chromium and headless
# Firefox, the Rust API floods both directions through the test server's /echo
# while it drops, black-holes and refuses (tests/common/resume_cases.rs),
# then waits for replay to drain, and prints one line per runtime and
# direction; then the two-instance soaks (tests/soak/fleet.mjs). SOAK_MESSAGES
# (default 50000), SOAK_FAULTS (default 320) and SOAK_KILLS (default 20) set
# the size; the test command runs the same cases with 2,000 messages.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/build.sh
messages="${SOAK_MESSAGES:-50000}"
faults="${SOAK_FAULTS:-320}"
start_server
trap stop_server EXIT
export STEADYSOCKET_TEST_SERVER="$SERVER_ADDR"
# Read at compile time by the test (option_env!): a change rebuilds it.
export STEADYSOCKET_SOAK_MESSAGES="$messages" STEADYSOCKET_SOAK_FAULTS="$faults"
use_wasm_toolchain
filter=resume_soak
# The runner gives a browser test 20 s by default; a long soak takes minutes.
export WASM_BINDGEN_TEST_TIMEOUT=1800
log "soak: $messages messages each way and $faults faults per runtime"
PATH="$(dirname "$(node22)"):$PATH" wasm-pack test --node . --all-features --test node -- "$filter"
env -u GECKODRIVER wasm-pack test --headless --chrome . --all-features --test browser_api -- "$filter"
env -u CHROMEDRIVER wasm-pack test --headless --firefox . --all-features --test browser_api -- "$filter"
# Two server processes sharing sessions in Redis, behind a round-robin proxy,
# killed and restarted in turn (tests/soak/fleet.mjs): Node's adapter, Rust's,
# and one of each.
start_redis
trap 'stop_server; stop_redis' EXIT
cargo build -q -p steadysocket-server --features redis --examples
for adapter in node rust mixed; do
    FLEET_MESSAGES="$messages" FLEET_KILLS="${SOAK_KILLS:-20}" "$(node22)" tests/soak/fleet.mjs "$adapter"
done
# Every fault is a drop the client sees at least once (a black hole too).
MIN_MESSAGES="$messages" MIN_DROPS="$((faults * 9 / 10))" "$(node22)" scripts/soak-lines.mjs node22 chromium firefox
MIN_MESSAGES="$messages" MIN_DROPS=20 "$(node22)" scripts/soak-lines.mjs \
    node22-2instances-redis-node node22-2instances-redis-rust node22-2instances-redis-mixed
