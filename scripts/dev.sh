#!/usr/bin/env bash
# `make dev`: serve Pivot with /api proxied to a ThreatConnect API and print
# the URL that opens it as a Space would.
#  - With TC_API_PATH, TC_API_ACCESS_ID and TC_API_SECRET_KEY set: that instance.
#  - Otherwise: the embedded sandbox (tc-sandbox) on a free loopback port.
# The Secret Key is used here, in the terminal, to mint a token; it is removed
# from the environment before trunk runs, so no build can pick it up.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PIVOT_DEV_PORT:-8080}"
SELECTED_TYPE="${PIVOT_DEV_TYPE:-Host}"
SELECTED_ITEM="${PIVOT_DEV_ITEM:-}"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

cargo build -q --release -p tc-sandbox --bin tc-sandbox
cargo build -q --no-default-features --features native --bin pivot-dev

if [ -n "${TC_API_PATH:-}" ]; then
    : "${TC_API_ACCESS_ID:?set TC_API_ACCESS_ID with TC_API_PATH}"
    : "${TC_API_SECRET_KEY:?set TC_API_SECRET_KEY with TC_API_PATH}"
    backend="${TC_API_PATH%/}"
    case "$backend" in */api) ;; *) backend="$backend/api" ;; esac
    owner="${PIVOT_DEV_OWNER:-}"
    echo "dev: using the ThreatConnect instance at $backend"
else
    mkdir -p target/sandbox
    export TC_API_ACCESS_ID=pivot-dev TC_API_SECRET_KEY=pivot-dev-secret
    log=target/sandbox/dev.log
    target/release/tc-sandbox --listen 127.0.0.1:0 --db target/sandbox/dev.db \
        --access-id "$TC_API_ACCESS_ID" --secret-key "$TC_API_SECRET_KEY" >"$log.out" 2>"$log" &
    pids+=($!)
    for _ in $(seq 100); do grep -q '^listening on ' "$log.out" 2>/dev/null && break; sleep 0.1; done
    base=$(sed -n 's/^listening on //p' "$log.out")
    [ -n "$base" ] || { echo "dev: the sandbox did not start; see $log"; exit 1; }
    backend="$base/api"
    owner="${PIVOT_DEV_OWNER:-Demo Org}"
    SELECTED_ITEM="${SELECTED_ITEM:-$(target/debug/pivot-dev demo-item --api-path "$backend" --type "$SELECTED_TYPE")}"
    echo "dev: sandbox at $base (state in target/sandbox/dev.db, log in $log)"
fi

# token<TAB>expires, minted with HMAC; the secret is not passed on.
read -r token expires < <(target/debug/pivot-dev token --api-path "$backend")
unset TC_API_SECRET_KEY

query="tcSpaceElementId=1&tcToken=$(urlencode "$token")&tcTokenExpires=$expires"
query+="&tcApiPath=$(urlencode "http://127.0.0.1:$PORT/api")"
if [ -n "$SELECTED_ITEM" ]; then
    query+="&tcType=$(urlencode "$SELECTED_TYPE")&tcSelectedItem=$(urlencode "$SELECTED_ITEM")"
    [ -n "$owner" ] && query+="&tcSelectedItemOwner=$(urlencode "$owner")"
fi
# shareInstanceId: a stable name for this instance, so Publish works (see docs/sharing-format.md).
query+="&defaultOwner=$(urlencode "${owner:-}")&allowWriteBack=true&shareInstanceId=$(urlencode "${PIVOT_DEV_INSTANCE_ID:-dev-sandbox}")"

echo
echo "  Pivot: http://127.0.0.1:$PORT/?$query"
echo
exec_env=(env -u TC_API_SECRET_KEY TRUNK_SKIP_VERSION_CHECK=true)
"${exec_env[@]}" trunk serve --port "$PORT" --proxy-backend="$backend/" --proxy-rewrite=/api/ &
pids+=($!)
wait -n "${pids[@]}"
