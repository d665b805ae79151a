#!/usr/bin/env bash
# Builds target/package/PivotShare_v<major>.zip: the Cross-Intel Sharing Job app
# (job/install.json, job/run.py, a statically linked x86_64 Linux bin/pivot-share, README).
# The binary is built for x86_64-unknown-linux-musl (scripts/setup.sh package installs
# the target and musl-tools, whose musl-gcc compiles ring's C for it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TARGET=x86_64-unknown-linux-musl
# The Job ships the pivot-share binary: its package's major version names the zip.
major=$(sed -n 's/^version = "\([0-9]*\)\..*"/\1/p' crates/pivot-share/Cargo.toml | head -1)
name="PivotShare_v$major"
out="${CARGO_TARGET_DIR:-target}"
dir=target/package/$name

rustup target list --installed | grep -qx "$TARGET" || { echo "package-job: the $TARGET target is missing: scripts/setup.sh package" >&2; exit 1; }
command -v musl-gcc >/dev/null || { echo "package-job: musl-gcc is missing (Debian's musl-tools): scripts/setup.sh package" >&2; exit 1; }

cargo build --quiet --release --locked --target "$TARGET" -p pivot-share --bin pivot-share
rm -rf "$dir" "target/package/$name.zip"
mkdir -p "$dir/bin"
cp "$out/$TARGET/release/pivot-share" "$dir/bin/pivot-share"
strip "$dir/bin/pivot-share" 2>/dev/null || true
chmod 755 "$dir/bin/pivot-share"
cp job/install.json job/run.py "$dir/"
cp job/README.md "$dir/README.md"
(cd target/package && python3 -m zipfile -c "$name.zip" "$name")
echo "package-job: target/package/$name.zip ($(stat -c %s "target/package/$name.zip") bytes)"
