#!/usr/bin/env bash
# Checks that the workspace's arrows point down only:
#   steadysocket-npm, steadysocket-bench  ->  steadysocket  ->  steadysocket-engine
# The engine knows no platform (no web-sys, js-sys, wasm-bindgen, futures);
# the library knows neither its JS facade nor the benchmark (nor the facade's
# allocator); nothing depends on the facade, the bench or the test server;
# the Rust server adapter (steadysocket-server) sits on the engine alone.
# Reads `cargo tree` per crate, for every target, with all features on.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

failed=0
# deps CRATE: every crate CRATE depends on (normal dependencies), one per line.
deps() {
    cargo tree -q -p "$1" -e normal --target all --all-features --prefix none --format '{p}' 2>/dev/null |
        awk '{print $1}' | sort -u | grep -vx "$1"
}
# forbid CRATE DEP...: fails if CRATE depends on any DEP, directly or not.
forbid() {
    local crate=$1 all dep ok=1; shift
    all="$(deps "$crate")" || { echo "cargo tree failed for $crate"; failed=1; return; }
    [ -n "$all" ] || { echo "no dependencies read for $crate"; failed=1; return; }
    for dep in "$@"; do
        if grep -qx "$dep" <<<"$all"; then
            echo "layering broken: $crate depends on $dep"
            failed=1 ok=0
        fi
    done
    [ "$ok" -eq 0 ] || echo "$crate: $(grep -c . <<<"$all") crates below it, none of: $*"
}

forbid steadysocket-engine web-sys js-sys wasm-bindgen wasm-bindgen-futures gloo-timers futures \
    steadysocket steadysocket-npm steadysocket-bench steadysocket-test-server steadysocket-server
forbid steadysocket steadysocket-npm steadysocket-bench steadysocket-test-server talc
forbid steadysocket-npm steadysocket-bench steadysocket-test-server
forbid steadysocket-bench steadysocket-npm steadysocket-test-server
forbid steadysocket-msgpack steadysocket steadysocket-npm steadysocket-bench steadysocket-test-server
forbid steadysocket-test-server steadysocket-npm steadysocket-bench
# The Rust server adapter shares the engine's wire codec and nothing of the client.
forbid steadysocket-server steadysocket steadysocket-npm steadysocket-bench steadysocket-test-server \
    web-sys js-sys wasm-bindgen
# The library has no code that only the JS facade uses.
if grep -rn 'feature = "js"\|feature = "bench"' src crates/engine/src; then
    echo "layering broken: the library has JS-only or bench-only code (above)"
    failed=1
fi
[ "$failed" -eq 0 ] && echo "layers: arrows point down only"
exit "$failed"
