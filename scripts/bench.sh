#!/usr/bin/env bash
# The benchmark (npm run bench): builds the package, a bench build of the Rust
# API and the peers' bundle, starts a release build of the test server, and
# runs bench/run.mjs. Prints the table, writes bench/results.json and the
# README's table.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/build.sh
use_wasm_toolchain
log "building the Rust API's bench entry points"
wasm-pack --quiet build --release --target web --out-dir "$ROOT/bench/page/rust" --out-name steadysocket --no-pack --mode no-install crates/bench
log "bundling the peers (partysocket, reconnecting-websocket)"
esbuild bench/peers-entry.js --bundle --format=esm --minify --log-level=warning --outfile=bench/page/peers.js
log "building the test server (release)"
cargo build -q --release -p steadysocket-test-server

port_file="$(mktemp)"
rm -f "$port_file"
"$ROOT/target/release/steadysocket-test-server" --www "$ROOT/bench/page" --pkg "$ROOT/pkg" --js "$ROOT/dist" --port-file "$port_file" >/dev/null &
SERVER_PID=$!
trap stop_server EXIT
for _ in $(seq 1 100); do [ -s "$port_file" ] && break; sleep 0.1; done
export STEADYSOCKET_TEST_SERVER="127.0.0.1:$(cat "$port_file")"
"$(node22)" bench/run.mjs
