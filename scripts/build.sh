#!/usr/bin/env bash
# Builds the npm package: the wasm modules into pkg/ (wasm-pack, --target
# web), its TypeScript into dist/ (tsc), and the test server.
# Usage: scripts/build.sh [--dev]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

profile=--release
[ "${1:-}" = --dev ] && profile=--dev

log "building the test server"
cargo build -q -p steadysocket-test-server

use_wasm_toolchain
# wasm-pack runs the wasm-opt it finds on PATH: lib.sh puts npm's binaryen (a
# current release) first. Debian's wasm-opt 108 breaks reference-types tables.
have wasm-opt || die "wasm-opt not found: run scripts/setup.sh"
log "building the package with toolchain $RUSTUP_TOOLCHAIN ($profile)"
# The package's wasm is the facade crate (crates/npm), named after the package.
package_build wasm-pack --quiet build "$profile" --target web --out-dir "$ROOT/pkg" --out-name steadysocket --no-pack --mode no-install crates/npm -- "$BUILD_STD"
log "building the MessagePack module (its own wasm, so others do not download it)"
package_build wasm-pack --quiet build "$profile" --target web --out-dir "$ROOT/pkg/msgpack" --no-pack --mode no-install crates/msgpack -- "$BUILD_STD"
log "building the resume module (the same with the resume client, loaded only by sockets with the resume option)"
package_build wasm-pack --quiet build "$profile" --target web --out-dir "$ROOT/pkg/resume" --out-name steadysocket_resume --no-pack --mode no-install crates/npm -- "$BUILD_STD" --features resume
log "compiling the package's TypeScript (js/ -> dist/, with the tables generated from crates/npm/boundary.json)"
node scripts/gen-boundary.mjs
node scripts/gen-redis-scripts.mjs
rm -rf dist
tsc -p js
# Deno's entries use a source-phase import, which TypeScript does not parse.
cp js/deno.js js/msgpack-deno.js dist/
# wasm-pack writes a .gitignore of "*" in each output folder, which npm pack
# honours for subfolders: the root .gitignore already keeps pkg/ out of git.
rm -f pkg/.gitignore pkg/msgpack/.gitignore pkg/resume/.gitignore
log "built: $(ls pkg/*.wasm pkg/*.js dist/index.js | tr '\n' ' ')"
