#!/usr/bin/env bash
# Runs every test: lint, the native tests (engine and server), the browser
# tests in headless Chromium and Firefox, and the page tests. Installs what is
# missing first. Starts the test server itself and stops it by PID on exit.
# Ends with one line: "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

OUT="$ROOT/test-output"
rm -rf "$OUT" && mkdir -p "$OUT"
trap 'stop_server; stop_redis' EXIT

setup_start=$SECONDS
bash scripts/setup.sh || die "setup failed"
SETUP_TIME="setup $((SECONDS - setup_start))s"

PASSED=0 FAILED=0 STEPS_FAILED=() TIMES=()
# step NAME CMD...: runs CMD, shows and keeps its output, adds up its test counts.
step() {
    local name=$1; shift
    local logf="$OUT/$name.log" rc p f start=$SECONDS
    log "── $name"
    "$@" 2>&1 | tee "$logf"
    rc=${PIPESTATUS[0]}
    TIMES+=("$name $((SECONDS - start))s")
    # cargo test and wasm-bindgen-test: "test result: ok. 3 passed; 0 failed; ...";
    # node:test: "# pass 3" (tap) or "ℹ pass 3" (spec).
    read -r p f < <(awk '
        /test result: / { for (i = 2; i <= NF; i++) { if ($i == "passed;") p += $(i-1); if ($i == "failed;") f += $(i-1) } }
        /^(# |ℹ )pass [0-9]+$/ { p += $NF }
        /^(# |ℹ )fail [0-9]+$/ { f += $NF }
        END { print p + 0, f + 0 }' "$logf")
    PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
    if [ "$rc" -ne 0 ]; then
        STEPS_FAILED+=("$name")
        # A step that failed without a failing test (a build error) still counts.
        [ "$f" -gt 0 ] || FAILED=$((FAILED + 1))
        log "$name FAILED (exit $rc)"
    fi
    return 0
}

# expect TEXT CMD...: runs CMD, then fails unless its output contains TEXT.
expect() {
    local text=$1 out rc; shift
    out="$(mktemp)"
    "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    if ! grep -qF "$text" "$out"; then
        echo "this step did not run what it is named for: no \"$text\" in its output"
        rc=1
    fi
    rm -f "$out"
    return "$rc"
}

step fmt cargo fmt --all --check
step layers expect "layers: arrows point down only" bash scripts/check-layers.sh
step clippy cargo clippy -q --workspace --all-targets --all-features -- -D warnings
# The wasm-only code (adapter, Rust API, JS facade), with the wasm toolchain;
# Debian's rustc-web has no clippy, so there it is skipped, and said so.
clippy_wasm() {
    use_wasm_toolchain
    if ! cargo clippy --version >/dev/null 2>&1; then
        log "clippy-wasm skipped: toolchain $RUSTUP_TOOLCHAIN has no clippy"
        return 0
    fi
    # Every wasm crate (the test server and the Rust server adapter are native only).
    cargo clippy -q --target "$WASM_TARGET" --workspace --exclude steadysocket-test-server --exclude steadysocket-server \
        --all-targets --all-features -- -D warnings &&
        # What a Rust app builds: no features.
        cargo clippy -q --target "$WASM_TARGET" -p steadysocket --lib -- -D warnings
}
step clippy-wasm clippy_wasm
# The docs as docs.rs builds them (its cfg, every feature) and as a host
# build sees them (no features): no warning, no broken link.
docs() {
    local flags="--cfg docsrs -D warnings"
    RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="$flags" cargo doc -q --no-deps -p steadysocket -p steadysocket-engine -p steadysocket-server --all-features &&
        RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="$flags" cargo doc -q --no-deps -p steadysocket -p steadysocket-engine
}
step docs docs
step native cargo test -q --workspace --all-features
step build bash scripts/build.sh
step package bash tests/package/check.sh
step size expect "sizes: every entry within its budget" "$(node22)" scripts/check-size.mjs

start_server
log "test server at $SERVER_ADDR (pid $SERVER_PID)"
# Sessions shared by server processes (the resume adapters' Redis store).
start_redis
log "redis at $STEADYSOCKET_REDIS (pid $REDIS_PID)"
export STEADYSOCKET_TEST_SERVER="$SERVER_ADDR"
use_wasm_toolchain
# A browser step proves what it ran: wasm-bindgen's runner picks its driver
# from the environment (GECKODRIVER wins over CHROMEDRIVER), so each step sees
# only its own driver, and fails unless its log names its browser.
step chromium expect "Running headless tests in Chrome" \
    env -u GECKODRIVER wasm-pack test --headless --chrome . --all-features
step firefox expect "Running headless tests in Firefox" \
    env -u CHROMEDRIVER wasm-pack test --headless --firefox . --all-features
# The suites that need no window, in Node 22 (the runner uses `node` on PATH).
node_suite() { PATH="$(dirname "$(node22)"):$PATH" wasm-pack test --node . --all-features --test node; }
step node22 node_suite
# The short resume soak ran in the three steps above (resume_cases.rs): its
# lines, one per runtime and direction, must all be there and clean.
# The two-instance soak, short: two server processes sharing Redis behind a
# round-robin proxy, killed and restarted in turn; Node's adapter, Rust's
# (its soak_instance example), and one of each.
fleet_soak() {
    cargo build -q -p steadysocket-server --features redis --examples &&
        for adapter in node rust mixed; do
            FLEET_MESSAGES=2000 FLEET_KILLS=4 "$(node22)" tests/soak/fleet.mjs "$adapter" || return 1
        done
}
step fleet-soak fleet_soak
step soak-lines "$(node22)" scripts/soak-lines.mjs node22 chromium firefox \
    node22-2instances-redis-node node22-2instances-redis-rust node22-2instances-redis-mixed
# The declarations, compiled as a user compiles them: with the DOM lib and in
# a Node-only project without it, with the current TypeScript and the oldest
# the package supports (5.2, tests/types/node_modules).
types() {
    local oldest="$ROOT/tests/types/node_modules/typescript/bin/tsc"
    [ -f "$oldest" ] || die "TypeScript 5.2 is not installed in tests/types: run scripts/setup.sh"
    log "TypeScript $(tsc -v | cut -d' ' -f2) and $("$(node22)" "$oldest" -v | cut -d' ' -f2)"
    tsc -p tests/types &&
        tsc -p tests/types/tsconfig.node.json &&
        "$(node22)" "$oldest" -p tests/types/tsconfig.oldest.json &&
        "$(node22)" "$oldest" -p tests/types/tsconfig.node.json &&
        "$(node22)" tests/types/same-body.mjs
}
step types types
step js-node22 "$(node22)" --test tests/js/*.test.mjs
js_node20() {
    local bin
    bin="$(node20)" || { log "no Node 20 (tests/runtimes not installed)"; return 1; }
    STEADYSOCKET_INJECT_WS=1 "$bin" --test tests/js/*.test.mjs
}
step js-node20 js_node20
# The conformance suite for server adapters (docs/PROTOCOL.md), against ours:
# the Node adapter and the Rust one (its conformance example), each in
# memory and on Redis.
conformance() {
    cargo build -q -p steadysocket-server --features redis --example conformance && "$(node22)" tests/conformance/run.mjs
}
step conformance expect "conformance: every adapter passed" conformance
# No --allow-read: the package must load without reading files in Deno.
step deno "$(runtime deno)" run --allow-net=127.0.0.1 --allow-env=STEADYSOCKET_TEST_SERVER tests/runtimes/run.mjs
step bun "$(runtime bun)" tests/runtimes/run.mjs
step workerd "$(node22)" tests/runtimes/workerd/run.mjs
step pages "$(node22)" --test tests/pages/*.test.mjs
stop_server
stop_redis

log "step times: $SETUP_TIME ${TIMES[*]}"
if [ ${#STEPS_FAILED[@]} -gt 0 ]; then
    log "failed steps: ${STEPS_FAILED[*]} (logs in test-output/)"
fi
echo "$PASSED passed, $FAILED failed"
[ ${#STEPS_FAILED[@]} -eq 0 ]
