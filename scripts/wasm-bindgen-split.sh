#!/usr/bin/env bash
# trunk's wasm-bindgen in a release build (scripts/wasm-release.sh puts it first on PATH as
# `wasm-bindgen`): a wasm whose code has parts loaded on demand (`ui::on_demand`: functions
# that import from wasm_split's placeholder module) is first split by wasm-split-cli into the
# main module and one chunk per part, then the main module goes through the real wasm-bindgen.
# The chunks and their loader (__wasm_split.js) go to $PIVOT_CHUNKS_DIR/<module>/ (not to
# wasm-bindgen's snippets folder: trunk would preload every file there on every page), and
# scripts/place-chunks.mjs (trunk's post_build hook) optimises them, gives them content-hashed
# names beside the main module and points the modules at them. A wasm with no such
# part (triage, publish-import) goes straight through. Why: docs/performance.md.
set -euo pipefail
real="${PIVOT_WASM_BINDGEN:?scripts/wasm-release.sh sets PIVOT_WASM_BINDGEN}"
chunks_dir="${PIVOT_CHUNKS_DIR:?scripts/wasm-release.sh sets PIVOT_CHUNKS_DIR}"
input="" out_dir="" out_name=""
for a in "$@"; do
  case "$a" in
    --out-dir=*) out_dir="${a#--out-dir=}" ;;
    --out-name=*) out_name="${a#--out-name=}" ;;
    --*) ;;
    *.wasm) input="$a" ;;
  esac
done
[ -n "$input" ] && [ -n "$out_dir" ] && [ -n "$out_name" ] || exec "$real" "$@"
# A module without split points (triage, publish-import: they live in the panels' binary) goes
# straight through.
grep -q -a "__wasm_split_placeholder__" "$input" || exec "$real" "$@"
split="$out_dir/split-$out_name"
chunks="$chunks_dir/$out_name"
rm -rf "$split" "$chunks"
mkdir -p "$split" "$chunks"
wasm-split-cli --out-name "$out_name" "$input" "$split"
args=()
for a in "$@"; do
  if [ "$a" = "$input" ]; then args+=("$split/$out_name.wasm"); else args+=("$a"); fi
done
# The chunks call into the main module through its linker exports: keep them, and keep
# the names wasm-split matched (no demangling).
"$real" --keep-lld-exports --no-demangle "${args[@]}"
find "$split" -maxdepth 1 -type f ! -name "$out_name.wasm" -exec mv -t "$chunks" {} +
