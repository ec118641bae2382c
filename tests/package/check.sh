#!/usr/bin/env bash
# What would be published, checked: the file lists of the npm package and of
# the two publishable crates against the expected lists beside this script (a
# missing file or a stray one fails, with the difference shown), tree-shaking
# of the npm package's two classes, `cargo package` with its verification
# build, and a wasm32 build of the packaged steadysocket crate, as a Rust app
# would build it from crates.io. Run by scripts/test.sh after the build.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
here=tests/package
failed=0
# The last command of a pipeline (same_as) runs in this shell, so that the
# failure it records counts (a script runs without job control).
shopt -s lastpipe

# Compares a list (stdin) with the expected one; prints the difference.
same_as() {
    local expected=$here/$1 actual
    actual="$(sort)"
    if diff -u "$expected" <(printf '%s\n' "$actual") > /tmp/steadysocket-package.diff; then
        log "$1: the published files are as expected ($(wc -l < "$expected") files)"
    else
        log "$1: the published files changed (- expected, + now); update $expected if that is intended:"
        cat /tmp/steadysocket-package.diff >&2
        failed=1
    fi
}

log "npm: the package as published (scripts/pack.mjs), listed by npm pack --dry-run"
out="$(node scripts/pack.mjs)"
(cd "$out" && npm pack --dry-run --json --ignore-scripts) |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].files.map(f=>f.path).join("\n")))' |
    same_as npm.txt

log "npm: tree-shaking keeps one class out of a bundle that imports only the other"
bundle() { printf '%s' "$1" | node_modules/.bin/esbuild --bundle --format=esm --log-level=error; }
only_dropin="$(bundle 'export { ReconnectingWebSocket } from "./dist/index.js";')"
only_socket="$(bundle 'export { SteadySocket } from "./dist/index.js";')"
# esbuild marks each module it bundles with a "// dist/<file>" comment.
if grep -q "^// dist/reconnecting.js" <<< "$only_dropin" && ! grep -q "^// dist/socket.js" <<< "$only_dropin" &&
    grep -q "^// dist/socket.js" <<< "$only_socket" && ! grep -q "^// dist/reconnecting.js" <<< "$only_socket"; then
    log "tree-shaking: each class bundles without the other"
else
    log "tree-shaking: a bundle of one class contains the other"
    failed=1
fi

log "crates: the files cargo package would publish"
cargo package --list --allow-dirty -p steadysocket 2>/dev/null | same_as steadysocket.txt
cargo package --list --allow-dirty -p steadysocket-engine 2>/dev/null | same_as steadysocket-engine.txt

log "crates: cargo package, with its verification build"
export CARGO_TARGET_DIR="$ROOT/target/publish"
# cargo verifies steadysocket against the engine it just packaged, through a
# local registry that it unpacks into CARGO_HOME once per version: a copy
# left from an earlier run of the same version would be used instead. No
# crate of ours comes from crates.io, so every such copy is an old one. And
# cargo takes a registry crate's build for good: the verification builds
# start from nothing.
for stale in "${CARGO_HOME:-$HOME/.cargo}"/registry/{src,cache}/*/steadysocket-engine-[0-9]*; do
    rm -rf "$stale"
done
rm -rf "$CARGO_TARGET_DIR/package" "$CARGO_TARGET_DIR/debug"
cargo package --allow-dirty -p steadysocket-engine -p steadysocket 2>&1 | grep -v "File system loop" | tail -3

log "crates: a wasm32 build of the packaged steadysocket crate, outside the workspace"
use_wasm_toolchain
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
tar -xzf "$CARGO_TARGET_DIR/package/steadysocket-0.1.0.crate" -C "$app"
tar -xzf "$CARGO_TARGET_DIR/package/steadysocket-engine-0.1.0.crate" -C "$app"
for features in "" "--all-features"; do
    (cd "$app/steadysocket-0.1.0" &&
        cargo build --quiet --target "$WASM_TARGET" $features \
            --config "patch.crates-io.steadysocket-engine.path=\"$app/steadysocket-engine-0.1.0\"")
    log "the packaged crate builds for $WASM_TARGET ${features:-with default features}"
done

[ "$failed" = 0 ]
