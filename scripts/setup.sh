#!/usr/bin/env bash
# Installs what Pivot needs, only when missing or at the wrong version.
#   scripts/setup.sh native the wasm32 target, rustfmt and clippy, the npm packages and what the
#                           Job test needs (musl, below): everything `make lint test-native` uses
#   scripts/setup.sh dev    wasm32 target, trunk, wasm-bindgen-cli, wasm-opt (npm binaryen)
#   scripts/setup.sh test   the above, plus Chromium + ChromeDriver, the npm test packages
#                           (smtp-server for the mail test) and what `package` needs
#   scripts/setup.sh package  the above dev tools, plus the x86_64-unknown-linux-musl target and
#                           Debian's musl-tools (musl-gcc compiles ring's C for the static
#                           pivot-share of the Job package, `make package-job`)
#   scripts/setup.sh wasm-release  the dev tools, plus Debian's rustc-web and cargo-web (1.96),
#                           its std source rust-web-src and the wasm linker of its LLVM (lld-N):
#                           the release wasm's toolchain (scripts/wasm-release.sh; `make package`,
#                           `make service-ui`), about 600 MB, under a minute from apt (also in `test`)
#   scripts/setup.sh tcex   the Python virtual environment target/tcex-venv with ThreatConnect's
#                           SDK tcex and pytest (tests/conformance/requirements.txt): the
#                           conformance tests and scripts/validate-install-json.py (also in `test`)
#   native and test also install Debian's mosquitto and redis-server (the API Service's tests
#   run the service against a real MQTT broker and key-value store; neither is left running)
#   scripts/setup.sh tcex-suite  target/tcex-suite-venv: tcex's environment plus what tcex's own
#                           tests import (scripts/tcex-suite-requirements.txt), for the measurement
#                           scripts/tcex-suite.sh (not part of make test)
#   scripts/setup.sh stix   the Python virtual environment target/stix-venv with OASIS's
#                           stix2-validator (tests/stix/requirements.txt): the STIX export's
#                           test (also in `native` and `test`)
# Every step checks the installed version first, so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_OPT_VERSION=132   # npm binaryen@132.0.0, pinned in package.json / Trunk.toml
what="${1:-dev}"
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock.
lock_version() {
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_rust_target() {
    command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
}

ensure_lints() {
    # rustup's minimal profile leaves them out.
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        say "adding rustfmt and clippy"
        rustup component add rustfmt clippy
    fi
}

ensure_musl() {
    if ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
        say "adding the x86_64-unknown-linux-musl target (the Job package's static pivot-share)"
        rustup target add x86_64-unknown-linux-musl
    fi
    if ! command -v musl-gcc >/dev/null; then
        say "installing Debian's musl-tools (musl-gcc, for ring under rustls on musl)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q musl-tools
    fi
    musl-gcc --version >/dev/null 2>&1 || die "musl-gcc does not run: apt-get install --reinstall musl-tools"
}

ensure_trunk() {
    if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
        # --locked: without it 0.21.14 fails to compile (lightningcss/cssparser drift).
        # Unoptimised, without its fat-LTO release profile: a build tool that spends its time
        # waiting on cargo, wasm-bindgen and wasm-opt. Measured on 2 cores: 129 s to compile
        # instead of 298 s, and the package builds in the same 14.6 s with either.
        say "installing trunk $TRUNK_VERSION (about 2 minutes on 2 cores, once)"
        CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
            cargo install trunk --version "$TRUNK_VERSION" --locked
    fi
}

ensure_wasm_bindgen() {
    local want; want=$(lock_version wasm-bindgen)
    [ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
    grep -q "^wasm_bindgen = \"$want\"" Trunk.toml \
        || die "Trunk.toml [tools] wasm_bindgen must be \"$want\" (the Cargo.lock version)"
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ] \
        || [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" != "wasm-bindgen-test-runner $want" ]; then
        # Not --locked: its lockfile pins a webpki-roots release the registry no longer serves.
        # Unoptimised: 45 s to compile instead of 121 s on 2 cores, for 0.35 s more on each
        # release wasm and 1.7 s more on the browser tests' wasm.
        say "installing wasm-bindgen-cli $want (about a minute, once)"
        CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install wasm-bindgen-cli --version "$want" --force
    fi
}

# wasm-split-cli (crate wasm_split_cli_support): splits the release panels' wasm into the main
# module and the parts loaded on demand (scripts/wasm-bindgen-split.sh). It prints no version:
# cargo's own list of installed crates says which one is installed.
WASM_SPLIT_VERSION=0.2.4
ensure_wasm_split() {
    if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:" || ! command -v wasm-split-cli >/dev/null; then
        # Unoptimised, like trunk: it splits one module in well under a second either way.
        say "installing wasm-split-cli $WASM_SPLIT_VERSION (about a minute on 2 cores, once)"
        CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
    fi
}

ensure_npm() {
    command -v npm >/dev/null || die "npm not found: install Node.js 20 or later"
    # npm ci only when package-lock.json changed since the last install.
    if ! cmp -s package-lock.json node_modules/.pivot-installed-lock 2>/dev/null; then
        say "installing npm packages (binaryen for wasm-opt, playwright-core for browser tests, smtp-server for the mail test)"
        npm ci --no-audit --no-fund --loglevel=error
        cp package-lock.json node_modules/.pivot-installed-lock
    fi
    wasm-opt --version | grep -q "version $WASM_OPT_VERSION" \
        || die "node_modules/.bin/wasm-opt is not binaryen $WASM_OPT_VERSION"
}

ensure_chromium() {
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        say "installing Debian's chromium and chromium-driver"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
    fi
    local browser driver
    browser=$(/usr/bin/chromium --version | grep -oE '[0-9]+' | head -1)
    driver=$(/usr/bin/chromedriver --version | grep -oE '[0-9]+' | head -1)
    [ "$browser" = "$driver" ] || die "chromium $browser and chromedriver $driver differ: apt-get install --only-upgrade chromium chromium-driver"
}

# The release wasm's toolchain (scripts/wasm-release.sh reads the same version): Debian's rustc-web,
# whose std source (rust-web-src) -Zbuild-std compiles for size, and the wasm-ld of its LLVM.
# Beside rustup's toolchain, not instead: rustup lives in ~/.cargo/bin, these in /usr/bin.
RUSTC_WEB_MINOR=1.96
ensure_rustc_web() {
    local have llvm
    have=$(/usr/bin/rustc --version 2>/dev/null || true)
    if [[ "$have" != "rustc $RUSTC_WEB_MINOR."* ]] || [ ! -x /usr/bin/cargo ] \
        || [ ! -f /usr/lib/rustlib/src/rust/library/std/Cargo.toml ]; then
        # rustc-web conflicts with Debian's own rustc and rustup packages: never remove them silently.
        for p in rustc rustup; do
            if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
                die "Debian's $p package is installed; rustc-web (the release wasm's compiler) replaces it: remove it first (apt-get remove $p)"
            fi
        done
        say "installing Debian's rustc-web, cargo-web and rust-web-src $RUSTC_WEB_MINOR (the release wasm's std, built for size)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rustc-web cargo-web rust-web-src
        have=$(/usr/bin/rustc --version)
    fi
    [[ "$have" == "rustc $RUSTC_WEB_MINOR."* ]] || die "/usr/bin/rustc is $have, not $RUSTC_WEB_MINOR: scripts/wasm-release.sh's flags are unstable ones, checked with $RUSTC_WEB_MINOR"
    llvm=$(/usr/bin/rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
    [ -n "$llvm" ] || die "/usr/bin/rustc names no LLVM version"
    if ! command -v "wasm-ld-$llvm" >/dev/null; then
        say "installing Debian's lld-$llvm (wasm-ld-$llvm links the release wasm)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "lld-$llvm"
    fi
    "wasm-ld-$llvm" --version >/dev/null || die "wasm-ld-$llvm does not run: apt-get install --reinstall lld-$llvm"
}

# The API Service's tests (crates/pivot-service/tests/it) start their own mosquitto (2.x, for
# its password files and TLS listener options) and redis-server (6+, for ACL users).
ensure_service_tools() {
    if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ] || ! command -v redis-server >/dev/null; then
        say "installing Debian's mosquitto and redis-server (the API Service's tests)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mosquitto redis-server
    fi
    local m r
    m=$({ /usr/sbin/mosquitto -h 2>/dev/null || mosquitto -h 2>/dev/null || true; } | grep -oE 'version [0-9]+' | grep -oE '[0-9]+' | head -1)
    r=$(redis-server --version | grep -oE 'v=[0-9]+' | grep -oE '[0-9]+' | head -1)
    [ "${m:-0}" -ge 2 ] || die "mosquitto 2 or later is needed (found ${m:-none})"
    [ "${r:-0}" -ge 6 ] || die "redis-server 6 or later is needed (found ${r:-none})"
}

# A project-owned Python environment: made from a pinned requirements file, again only when it is
# missing, that file changed since it was made, or its main package is not at the pinned version.
#   ensure_venv DIR REQUIREMENTS PACKAGE WHAT
ensure_venv() {
    local dir=$1 requirements=$2 package=$3 what=$4 want have
    command -v python3 >/dev/null || die "python3 not found: install Python 3.9 or later"
    want=$(sed -n "s/^$package==//p" "$requirements")
    [ -n "$want" ] || die "$requirements pins no $package version"
    have=$("$dir/bin/python" -c "import importlib.metadata as m; print(m.version('$package'))" 2>/dev/null || true)
    if [ "$have" != "$want" ] || ! cmp -s "$requirements" "$dir/.pivot-installed-requirements"; then
        say "making $dir with $package $want from PyPI ($what, once)"
        rm -rf "$dir"
        python3 -m venv "$dir" || die "python3 -m venv failed: apt-get install python3-venv"
        "$dir/bin/pip" install -q --disable-pip-version-check --no-input -r "$requirements"
        cp "$requirements" "$dir/.pivot-installed-requirements"
    fi
    have=$("$dir/bin/python" -c "import importlib.metadata as m; print(m.version('$package'))")
    [ "$have" = "$want" ] || die "$dir has $package $have, not $want"
}

# tcex, ThreatConnect's SDK, for everything that needs it: the conformance tests and
# scripts/validate-install-json.py.
ensure_tcex() {
    ensure_venv target/tcex-venv tests/conformance/requirements.txt tcex "about 90 MB, 1 to 3 minutes"
}

if [ "$what" = tcex ]; then
    ensure_tcex
    say "ready (tcex)"
    exit 0
fi

if [ "$what" = tcex-suite ]; then
    ensure_venv target/tcex-suite-venv scripts/tcex-suite-requirements.txt tcex "about 100 MB, 1 to 3 minutes"
    say "ready (tcex-suite)"
    exit 0
fi

# OASIS's stix2-validator, the judge of the STIX bundles the triage tests write
# (crates/triage/tests/it/validator.rs, tests/e2e/triage.test.mjs). Its own environment: it
# shares no test with tcex, and their pins need not agree.
ensure_stix_validator() {
    ensure_venv target/stix-venv tests/stix/requirements.txt stix2-validator "about 50 MB, under a minute"
    [ -x target/stix-venv/bin/stix2_validator ] || die "target/stix-venv has no stix2_validator"
}

if [ "$what" = stix ]; then
    ensure_stix_validator
    say "ready (stix)"
    exit 0
fi

ensure_rust_target
ensure_npm
# Steps run beside the others, each group one after another into its own log (shown when the
# group ends, and a failure stops the setup there): `beside LOG STEP...`, then `joined`.
BESIDE=()
beside() {
    local log=$1
    shift
    ( for step in "$@"; do "$step"; done ) >"$log" 2>&1 &
    BESIDE+=("$!:$log")
}
joined() {
    local failed=0 job
    for job in "${BESIDE[@]}"; do
        wait "${job%%:*}" || failed=1
        cat "${job#*:}" >&2
    done
    BESIDE=()
    [ "$failed" = 0 ] || die "a setup step above failed"
}

case "$what" in
    native) ensure_lints; ensure_musl; ensure_service_tools; ensure_stix_validator ;;
    dev) ensure_trunk; ensure_wasm_bindgen ;;
    wasm-release) ensure_trunk; ensure_wasm_bindgen; ensure_rustc_web; ensure_wasm_split ;;
    package) ensure_trunk; ensure_wasm_bindgen; ensure_musl ;;
    test)
        ensure_lints; ensure_musl
        # On a new machine this setup outlasts the lints and native tests `make test` runs it
        # beside: the downloads (Debian's packages, in turn: apt takes one at a time; PyPI) go
        # on while the tools compile (cargo install), not after them.
        mkdir -p target
        beside target/setup-debian.log ensure_service_tools ensure_rustc_web ensure_chromium
        beside target/setup-pypi.log ensure_stix_validator ensure_tcex
        ensure_trunk; ensure_wasm_bindgen; ensure_wasm_split
        joined ;;
    *) die "usage: scripts/setup.sh native|dev|wasm-release|test|package|tcex|tcex-suite|stix" ;;
esac
say "ready ($what)"
