#!/usr/bin/env bash
# Builds target/package/PivotService_v<major>.zip: Pivot as a ThreatConnect API Service
# (service/install.json, service/run.py, a statically linked x86_64 Linux bin/pivot-service,
# the packaged UI under ui/ with gzip twins of its text and wasm files, README).
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

cargo build --quiet --release --locked --target "$TARGET" -p pivot-service --bin pivot-service
rm -rf "$dir" "target/package/$name.zip"
mkdir -p "$dir/bin"
cp "$out/$TARGET/release/pivot-service" "$dir/bin/pivot-service"
strip "$dir/bin/pivot-service" 2>/dev/null || true
chmod 755 "$dir/bin/pivot-service"
cp -R "$ui" "$dir/ui"
# Precompressed twins the service sends to a browser that accepts gzip.
find "$dir/ui" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) -exec gzip -9 -k -n {} \;
cp service/install.json service/run.py "$dir/"
cp README.md "$dir/README.md"
(cd target/package && python3 -m zipfile -c "$name.zip" "$name")
echo "package-service: target/package/$name.zip ($(stat -c %s "target/package/$name.zip") bytes)"
