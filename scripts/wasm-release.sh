#!/usr/bin/env bash
# Runs a command (a release `trunk build`) in the environment of Pivot's release wasm: the panels,
# triage and publish-import wasm built with Debian's rustc-web and its standard library rebuilt
# from source for size (`-Zbuild-std`), instead of rustup's prebuilt std. What each setting saves
# and what it costs: docs/performance.md. Debug builds (`make dev`, the browser tests) stay on
# rustup's stable toolchain. scripts/setup.sh wasm-release installs what this needs.
# usage: scripts/wasm-release.sh COMMAND [ARG...]
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTC_WEB_MINOR=1.96   # scripts/setup.sh checks the same; the flags below are unstable ones
rustc=/usr/bin/rustc cargo=/usr/bin/cargo
die() { printf 'wasm-release: %s\n' "$*" >&2; exit 1; }
[ -x "$rustc" ] && [ -x "$cargo" ] || die "Debian's rustc-web and cargo-web are missing: scripts/setup.sh wasm-release"
"$rustc" --version | grep -q "^rustc $RUSTC_WEB_MINOR\." || die "$rustc is not rustc $RUSTC_WEB_MINOR: scripts/setup.sh wasm-release"
llvm=$("$rustc" -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
command -v "wasm-ld-$llvm" >/dev/null || die "wasm-ld-$llvm (Debian's lld-$llvm, the wasm linker) is missing: scripts/setup.sh wasm-release"

# trunk runs `cargo` from PATH: this folder puts Debian's cargo and rustc before rustup's proxies,
# and the wasm-bindgen that splits out the parts loaded on demand before the real one.
PIVOT_WASM_BINDGEN=${PIVOT_WASM_BINDGEN:-$(command -v wasm-bindgen)} || die "wasm-bindgen is missing: scripts/setup.sh dev"
[ "$(readlink -f "$PIVOT_WASM_BINDGEN")" != "$(readlink -f scripts/wasm-bindgen-split.sh)" ] || die "PIVOT_WASM_BINDGEN names the splitting wrapper, not wasm-bindgen"
command -v wasm-split-cli >/dev/null || die "wasm-split-cli is missing: scripts/setup.sh wasm-release"
# Where the split writes each module's chunks for place-chunks.mjs: emptied for each build.
PIVOT_CHUNKS_DIR="$PWD/target/wasm-chunks"
rm -rf "$PIVOT_CHUNKS_DIR"
export PIVOT_WASM_BINDGEN PIVOT_CHUNKS_DIR
bin=target/rustc-web/bin
mkdir -p "$bin"
ln -sfn "$cargo" "$bin/cargo"
ln -sfn "$rustc" "$bin/rustc"
ln -sfn "$PWD/scripts/wasm-bindgen-split.sh" "$bin/wasm-bindgen"
export PATH="$PWD/$bin:$PATH" RUSTC="$rustc"
# -Zbuild-std and the -Z flags are unstable: RUSTC_BOOTSTRAP lets this stable compiler take them.
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
# std's own choice of smaller algorithms where it has two (sorting, formatting, hashing)
export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
# rustc-web has no rust-lld: Debian's wasm-ld of the same LLVM links.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="wasm-ld-$llvm"
# Added to .cargo/config.toml's flags for the wasm target (cargo joins the two lists):
#   -Cpanic=immediate-abort  a panic stops at once: no panic messages, locations or formatting
#                            machinery in the wasm (boot.js shows the crash screen)
#   -Zlocation-detail=none   no source file names, lines or columns for #[track_caller]
#   --cfg pivot_on_demand    `ui::on_demand` parts become split points (wasm-bindgen-split.sh;
#                            build.rs links the panels' binary with the relocations it reads)
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none --cfg pivot_on_demand"
exec "$@"
