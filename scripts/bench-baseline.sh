#!/usr/bin/env bash
# Measures an older commit's Chromium echo beside this build's, in the same
# rounds (npm run bench:baseline -- COMMIT; by default the commit recorded in
# bench/baseline.json). Builds that commit's package and its Rust API's bench
# entry points in a worktree (target/baseline/), serves them under /baseline/
# next to this build, runs bench/baseline.mjs in an unwatched Chromium and
# rewrites bench/baseline.json's Chromium echo rows with what it measured.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
commit="${1:-$("$(node22)" -e 'console.log(require("./bench/baseline.json").commit)')}"
[ -n "$commit" ] || die "usage: scripts/bench-baseline.sh COMMIT"
tree="$ROOT/target/baseline/$commit"
bash scripts/build.sh
use_wasm_toolchain
if [ ! -d "$tree" ]; then
    log "a worktree of $commit in $tree"
    git worktree add --detach "$tree" "$commit" >/dev/null
fi
log "building $commit's package and its Rust bench entry points"
(
    cd "$tree"
    if [ -d crates/npm ]; then
        # The layout since issue 11: its own build script, JS in dist/.
        bash scripts/build.sh
        build_rust_bench "$tree/bench-rust"
        ln -sfn dist js-out
    else
        # Before: one crate, the JS API with feature js, the bench with feature bench.
        wasm-pack --quiet build --release --target web --out-dir pkg --no-pack --mode no-install . --features js
        wasm-pack --quiet build --release --target web --out-dir bench-rust --no-pack --mode no-install . --features bench
        ln -sfn js js-out
    fi
)
build_bench_clients
www="$ROOT/target/baseline/www"
rm -rf "$www" && mkdir -p "$www/baseline"
cp -r bench/page/. "$www/"
cp -rL "$tree/pkg" "$www/baseline/pkg"
cp -rL "$tree/js-out" "$www/baseline/js"
cp -rL "$tree/bench-rust" "$www/baseline/rust"
start_bench_server "$www"
BASELINE_COMMIT="$(git rev-parse --short "$commit")" "$(node22)" bench/baseline.mjs
