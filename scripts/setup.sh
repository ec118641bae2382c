#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, and skips what is
# already there. Safe to run again and again.
#
# The wasm32 toolchain: the ordinary path is `rustup target add`. Where that
# cannot download (machines that reach only package registries), Debian's
# rustc-web ships the Rust standard library's source, and we build the wasm32
# std from it once and register that toolchain with rustup as `debian-web`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

APT_UPDATED=
apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    have apt-get || die "missing ${missing[*]} and no apt-get here: install them by hand"
    local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    if [ -z "$APT_UPDATED" ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# cargo install NAME at VERSION unless that version is on PATH already.
cargo_install() {
    local name=$1 version=$2 bin=$3
    if have "$bin" && "$bin" --version 2>/dev/null | grep -q "$version"; then
        log "$bin $version: present"
        return 0
    fi
    log "cargo install $name $version (a few minutes)"
    # Not --locked: one locked dependency of wasm-bindgen-cli is missing from the mirror.
    RUSTUP_TOOLCHAIN="${NATIVE_TOOLCHAIN:-}" cargo install -q "$name" --version "$version"
}

setup_rust() {
    have cargo || die "cargo not found: install Rust with rustup first"
    # STEADYSOCKET_WASM_PATH=debian skips the rustup path (to test the other one).
    if [ "${STEADYSOCKET_WASM_PATH:-}" = debian ]; then
        setup_debian_toolchain
        return 0
    fi
    if tc="$(wasm_toolchain)"; then
        log "wasm32 toolchain: $tc (present)"
        setup_rust_src "$tc"
        return 0
    fi
    if have rustup; then
        log "trying rustup target add $WASM_TARGET (60 s at most)"
        if timeout 60 rustup target add "$WASM_TARGET" >/dev/null 2>&1 && tc="$(wasm_toolchain)"; then
            log "wasm32 toolchain: rustup's"
            setup_rust_src "$tc"
            return 0
        fi
        log "rustup cannot download the target here: taking Debian's rustc-web path"
    fi
    setup_debian_toolchain
}

# The package build rebuilds std for wasm32 from its source (smaller module):
# rustup's rust-src component, or, where rustup cannot download it, Debian's
# toolchain, whose rust-web-src is that source.
setup_rust_src() {
    local tc=$1
    if RUSTUP_TOOLCHAIN="$tc" has_rust_src; then
        log "rust-src of $tc: present"
        return 0
    fi
    if have rustup && timeout 60 rustup component add rust-src --toolchain "$tc" >/dev/null 2>&1 \
        && RUSTUP_TOOLCHAIN="$tc" has_rust_src; then
        log "rust-src of $tc: installed"
        return 0
    fi
    log "rustup cannot download rust-src here: taking Debian's rustc-web path"
    setup_debian_toolchain
}

setup_debian_toolchain() {
    apt_install rustc-web cargo-web rust-web-src lld-22
    if ! ls "$DEBIAN_SYSROOT/$WASM_TARGET/lib/"libstd-*.rlib >/dev/null 2>&1; then
        build_debian_wasm_std
    fi
    if have rustup && ! rustup toolchain list | grep -q "^$DEBIAN_TOOLCHAIN"; then
        rustup toolchain link "$DEBIAN_TOOLCHAIN" /usr
    fi
    log "wasm32 toolchain: $DEBIAN_TOOLCHAIN"
}

# Builds std for wasm32 from rust-web-src and copies it into the Debian sysroot.
build_debian_wasm_std() {
    local dir=/tmp/steadysocket-wasm-std
    local libdir="$DEBIAN_SYSROOT/$WASM_TARGET/lib"
    rm -rf "$dir" && mkdir -p "$dir/src"
    printf '[package]\nname = "wasm_std_seed"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' >"$dir/Cargo.toml"
    : >"$dir/src/lib.rs"
    log "building the wasm32 standard library from Debian's source (about a minute)"
    # Debian's rustc explicitly: rustup's proxies first on PATH would pick another.
    (cd "$dir" && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 /usr/bin/cargo test --no-run --release --quiet \
        --target "$WASM_TARGET" -Zbuild-std=std,panic_abort,panic_unwind,proc_macro)
    mkdir -p "$libdir"
    find "$dir/target/$WASM_TARGET/release/deps" -name '*.rlib' ! -name 'libwasm_std_seed-*' \
        -exec cp {} "$libdir/" \;
    rm -rf "$dir"
}

# Redis from Debian, for the tests of sessions shared between server
# processes. The package starts a system service: stopped and disabled, as
# the tests run their own redis-server on a free port.
setup_redis() {
    apt_install redis-server
    have redis-server || die "redis-server could not be installed"
    # Idempotent: a service already stopped and disabled stays so.
    if have systemctl && systemctl is-enabled redis-server >/dev/null 2>&1; then
        systemctl disable --now redis-server >/dev/null 2>&1 || true
    fi
    if [ -x /etc/init.d/redis-server ] && /etc/init.d/redis-server status >/dev/null 2>&1; then
        /etc/init.d/redis-server stop >/dev/null 2>&1 || true
    fi
}

setup_tools() {
    NATIVE_TOOLCHAIN=
    cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
    cargo_install wasm-pack "$WASM_PACK_VERSION" wasm-pack
    if have apt-get; then
        apt_install chromium chromium-driver firefox-esr
        setup_redis
    else
        have chromium || have google-chrome || log "warning: no Chromium found; browser tests need one"
        have redis-server || log "warning: no redis-server found; the tests of sessions shared between servers need one"
    fi
    cargo_install geckodriver "$GECKODRIVER_VERSION" geckodriver
}

# npm install in DIR unless its node_modules is newer than its manifest and lock.
npm_install() {
    local dir=$1 what=$2
    if [ -f "$dir/node_modules/.package-lock.json" ] \
        && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] \
        && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package.json" ]; then
        log "npm packages in ${dir#$ROOT/}: present"
        return 0
    fi
    log "npm install: $what"
    # --ignore-scripts: no package may download a browser or binary at install time.
    (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
}

setup_npm() {
    have npm || die "npm not found: install Node.js 20 or newer"
    npm_install "$ROOT" "dev dependencies"
    npm_install "$ROOT/tests/vite-app" "the Vite test app"
    npm_install "$ROOT/tests/types" "the type tests' TypeScript 5.2 and Node types"
    # The runtimes ship as linux-x64 binaries inside npm packages.
    if [ "$(uname -sm)" = "Linux x86_64" ]; then
        npm_install "$ROOT/tests/runtimes" "Node 22, Deno, Bun and workerd"
    else
        log "warning: not linux-x64; the edge runtime tests use the runtimes on PATH"
    fi
}

# With arguments, only the named parts: rust, tools, npm.
for part in "${@:-rust tools npm}"; do
    for p in $part; do "setup_$p"; done
done
log "ready"
