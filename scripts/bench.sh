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
log "building the package's wasm with its function names, for the size breakdown"
package_build cargo build -q --release --target "$WASM_TARGET" -p steadysocket-npm "$BUILD_STD"
named="$ROOT/target/package/named"
wasm-bindgen --target web --out-dir "$named" "$ROOT/target/package/$WASM_TARGET/release/steadysocket_npm.wasm"
wasm-opt -g -Oz --all-features "$named/steadysocket_npm_bg.wasm" -o "$named/steadysocket.wasm"
export STEADYSOCKET_NAMED_WASM="$named/steadysocket.wasm"
build_bench_clients
log "bundling the cold-start pages (bench/cold -> bench/page/cold)"
cold="$ROOT/bench/page/cold"
rm -rf "$cold" && mkdir -p "$cold"
cp pkg/steadysocket_bg.wasm "$cold/"
for app in steadysocket partysocket; do
    esbuild "bench/cold/$app-app.js" --bundle --format=esm --minify --log-level=warning --outfile="$cold/$app-app.js"
    sed "s/APP/$app-app/" bench/cold/page.html >"$cold/$app.html"
    # With preload hints: the app's module, and for steadysocket its wasm,
    # fetched from the start instead of after the JS has run.
    hints="<link rel=\"modulepreload\" href=\"./$app-app.js\">"
    [ "$app" = steadysocket ] && hints="$hints<link rel=\"preload\" href=\"./steadysocket_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
    sed "s/APP/$app-app/; s|<!--preload-->|$hints|" bench/cold/page.html >"$cold/$app-preload.html"
done
start_bench_server "$ROOT/bench/page"
"$(node22)" bench/run.mjs
