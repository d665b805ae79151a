#!/usr/bin/env bash
# Builds target/package/PivotService_v<major>.zip: Pivot as a ThreatConnect API Service
# (service/install.json, service/run.py, a statically linked x86_64 Linux bin/pivot-service,
# the service's UI under ui/ with brotli and gzip twins of its script, style and wasm files, README).
# The UI is the service build (cargo feature `service`: the panels and the triage page, which
# read their launch from the page's own address), built here into target/package/service-ui,
# unless PIVOT_SERVICE_UI names another built UI folder (the service's own tests use a small one).
# The publish and import page is not served: Cross-Intel Sharing runs as its Job app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TARGET=x86_64-unknown-linux-musl
major=$(sed -n 's/^version = "\([0-9]*\)\..*"/\1/p' crates/pivot-service/Cargo.toml | head -1)
ui_major=$(sed -n 's/^version = "\([0-9]*\)\..*"/\1/p' Cargo.toml | head -1)
name="PivotService_v$major"
ui="${PIVOT_SERVICE_UI:-}"
out="${CARGO_TARGET_DIR:-target}"
dir=target/package/$name

if [ -z "$ui" ]; then
    ui=target/package/service-ui
    scripts/build-service-ui.sh "$ui"
fi
[ -f "$ui/index.html" ] || { echo "package-service: no built UI at $ui" >&2; exit 1; }
rustup target list --installed | grep -qx "$TARGET" || { echo "package-service: the $TARGET target is missing: scripts/setup.sh package" >&2; exit 1; }
command -v musl-gcc >/dev/null || { echo "package-service: musl-gcc is missing (Debian's musl-tools): scripts/setup.sh package" >&2; exit 1; }
command -v node >/dev/null || { echo "package-service: node is missing (it makes the brotli twins): install Node.js 20 or later" >&2; exit 1; }

cargo build --quiet --release --locked --target "$TARGET" -p pivot-service --bin pivot-service
rm -rf "$dir" "target/package/$name.zip"
mkdir -p "$dir/bin"
cp "$out/$TARGET/release/pivot-service" "$dir/bin/pivot-service"
strip "$dir/bin/pivot-service" 2>/dev/null || true
chmod 755 "$dir/bin/pivot-service"
cp -R "$ui" "$dir/ui"
# Precompressed twins the service sends to a browser that accepts br, else gzip (HTML pages
# are sent as written: the service writes its params into them). Brotli at quality 11 with
# Node's zlib: the wasm about a fifth smaller than gzip -9, a few seconds at package time.
twins=$(find "$dir/ui" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' -o -name '*.json' \))
if [ -n "$twins" ]; then
  printf '%s\n' "$twins" | xargs -d '\n' gzip -9 -k -n
  printf '%s\n' "$twins" | node -e '
    const { brotliCompressSync, constants: c } = require("node:zlib");
    const fs = require("node:fs");
    for (const f of fs.readFileSync(0, "utf8").split("\n").filter(Boolean)) {
      const data = fs.readFileSync(f);
      fs.writeFileSync(f + ".br", brotliCompressSync(data, { params: { [c.BROTLI_PARAM_QUALITY]: 11, [c.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    }'
fi
cp service/install.json service/run.py "$dir/"
cp README.md "$dir/README.md"
(cd target/package && python3 -m zipfile -c "$name.zip" "$name")
echo "package-service: target/package/$name.zip ($(stat -c %s "target/package/$name.zip") bytes)"
