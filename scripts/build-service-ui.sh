#!/usr/bin/env bash
# Builds the UI Pivot's API Service serves into DIR (default target/package/service-ui): the
# release build of index.html's panels and the triage page with the cargo feature `service`,
# without the publish and import page (the service does not serve it). Its page is index.html's
# own (the same CSP, loader and styles) less the publish-import lines, so the two cannot drift.
# Built as `make package` builds its wasm: scripts/wasm-release.sh (std built for size).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
dir="${1:-target/package/service-ui}"
page=service.html
trap 'rm -f "$page"' EXIT
grep -v 'publish-import' index.html > "$page"
grep -q 'data-bin="pivot"' "$page" && grep -q 'data-bin="triage"' "$page" || { echo "build-service-ui: $page lost a wasm entry" >&2; exit 1; }
rm -rf "$dir"
scripts/wasm-release.sh trunk build --release --cargo-profile wasm-release --features service --dist "$dir" "$page"
# trunk names its output page index.html whatever the source page's name.
[ -f "$dir/index.html" ] && ! grep -q 'publish-import' "$dir/index.html" || { echo "build-service-ui: $dir/index.html is not the service's page" >&2; exit 1; }
echo "build-service-ui: $dir"
