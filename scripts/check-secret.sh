#!/usr/bin/env bash
# Proves the Secret Key never reaches a built UI. `make test-secret` builds the release UIs it
# then tests (the package's and the service's) with a known dummy Secret Key in the environment,
# as `make dev` with local credentials would have it, and runs this script with their folders:
# it builds a dev UI under the same environment and searches every file of all of them for it.
# A secret read at compile time (env!, option_env!: cargo tracks those) would be in the output.
# usage: TC_API_SECRET_KEY=<the dummy the release builds saw> scripts/check-secret.sh RELEASE_DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
secret="${TC_API_SECRET_KEY:-}"
[[ "$secret" == pivot-dummy-secret-* && $# -gt 0 ]] || { echo "secret-check: run it as \`make test-secret\` (the builds must see a dummy TC_API_SECRET_KEY)" >&2; exit 1; }
out=target/secret-check
rm -rf "$out"
mkdir -p "$out"

trunk build --dist "$out/dev" >/dev/null 2>&1 || { echo "secret-check: dev build failed"; trunk build --dist "$out/dev"; exit 1; }

# The secret in plain text and base64 (as an Authorization header would carry it).
b64=$(printf '%s' "$secret" | base64 -w0 | tr -d '=')
found() { grep -rlaF -e "$secret" -e "$b64" "$1" || true; }

passed=0 failed=0
for build in "$out/dev" "$@"; do
    n=$(find "$build" -type f -name '*.wasm' | wc -l)
    if [ "$n" -lt 1 ]; then echo "secret-check: $build holds no wasm"; failed=$((failed + 1)); continue; fi
    leaks=$(found "$build")
    if [ -n "$leaks" ]; then echo "secret-check: FAIL the secret is in: $leaks"; failed=$((failed + 1))
    else echo "secret-check: ok $build ($(find "$build" -type f | wc -l) files, $n wasm, secret absent)"; passed=$((passed + 1)); fi
done
# The search itself must be able to fail: plant the secret in a copy and expect a hit.
cp -r "$1" "$out/planted"
printf 'x%sx' "$secret" >> "$(find "$out/planted" -name '*.wasm' | head -1)"
if [ -n "$(found "$out/planted")" ]; then passed=$((passed + 1)); echo "secret-check: ok the search finds a planted secret"
else failed=$((failed + 1)); echo "secret-check: FAIL the search missed a planted secret"; fi
# And the wasm cannot even be built with HMAC signing (crates/threatconnect/src/auth.rs refuses it).
if cargo check -q -p threatconnect --target wasm32-unknown-unknown --lib --features hmac-auth >"$out/hmac-wasm.log" 2>&1; then
    failed=$((failed + 1)); echo "secret-check: FAIL a wasm build with hmac-auth compiled"
elif grep -q "hmac-auth feature (Secret Key signing) must never be compiled into the wasm" "$out/hmac-wasm.log"; then
    passed=$((passed + 1)); echo "secret-check: ok a wasm build with hmac-auth is refused"
else
    failed=$((failed + 1)); echo "secret-check: FAIL the hmac-auth wasm build failed for another reason:"; tail -20 "$out/hmac-wasm.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
