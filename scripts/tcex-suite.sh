#!/usr/bin/env bash
# Measures tcex's own test suite against the sandbox: ThreatConnect's SDK (tcex 5.0.0 from PyPI,
# target/tcex-suite-venv) runs its tests (from a checkout of ThreatConnect-Inc/tcex, branch
# develop-5) against a fresh tc-sandbox, as they run against ThreatConnect's lab instance.
#
#   scripts/tcex-suite.sh TCEX_SRC=<tcex checkout> [JOBS=4] [pytest arguments...]
#
# A measurement, not a test: it is not part of `make test` and its result goes into
# docs/conformance.md by hand. One change to tcex's tests, made in a copy under target/ (the
# project's tree holds none of tcex's code): their lab organization's name, 'TCI', becomes the
# sandbox's, 'Demo Org'. Everything else is the environment tcex's tests read (tests/mock_app.py,
# tests/conftest.py): TC_API_PATH, TC_TOKEN_URL (the v3 token endpoint tcex's MockApp posts to for
# an API token), TC_API_ACCESS_ID / TC_API_SECRET_KEY (HMAC), TC_OWNER and API_DEFAULT_ORG.
# tcex's conftest starts its own fake Redis (fakeredis) when port 6379 is free.
#
# The in-scope modules (docs/conformance.md): threat intelligence v2 and v3, batch, datastore,
# metrics, owners, users, attribute types, tags. Given pytest arguments replace that list.
# Tests run in JOBS pytest-xdist workers, one test file per worker (--dist loadfile), as tcex's own
# pyproject suggests (`--numprocesses=auto`): most of the wall time is batch polling, not work.
# Prints "N of M in-scope tests pass", a table per module and every failure with its first line
# (also in target/tcex-suite/last/failures.txt; the junit XML in target/tcex-suite/last/).
set -euo pipefail
cd "$(dirname "$0")/.."
die() { printf 'tcex-suite: %s\n' "$*" >&2; exit 1; }

TCEX_SRC=
JOBS=4
args=()
for a in "$@"; do
    case $a in
        TCEX_SRC=*) TCEX_SRC=${a#TCEX_SRC=} ;;
        JOBS=*) JOBS=${a#JOBS=} ;;
        *) args+=("$a") ;;
    esac
done
[ -n "$TCEX_SRC" ] || die "usage: scripts/tcex-suite.sh TCEX_SRC=<checkout of ThreatConnect-Inc/tcex develop-5> [JOBS=4] [pytest args]"
[ -f "$TCEX_SRC/tests/conftest.py" ] && [ -d "$TCEX_SRC/tests/api/tc" ] || die "$TCEX_SRC has no tests/api/tc (a tcex checkout, branch develop-5)"
case $JOBS in '' | *[!0-9]*) die "JOBS must be a number" ;; esac

if [ ${#args[@]} -eq 0 ]; then
    args=(tests/api/tc/v2/batch tests/api/tc/v2/datastore tests/api/tc/v2/metric tests/api/tc/v2/threat_intelligence
        tests/api/tc/v3/indicators tests/api/tc/v3/indicator_attributes tests/api/tc/v3/groups
        tests/api/tc/v3/group_attributes tests/api/tc/v3/victims tests/api/tc/v3/victim_assets
        tests/api/tc/v3/victim_attributes tests/api/tc/v3/attribute_types tests/api/tc/v3/mitre_tags
        tests/api/tc/v3/security/owners tests/api/tc/v3/security/users)
fi

scripts/setup.sh tcex-suite
cargo build -q -p tc-sandbox --bin tc-sandbox
root=$PWD
out=$root/target/tcex-suite
rm -rf "$out" && mkdir -p "$out"
run=$out/last
mkdir "$run"

cp -r "$TCEX_SRC/tests" "$run/tests"
grep -rl "'TCI'" "$run/tests" | while read -r f; do sed -i "s/'TCI'/'Demo Org'/g" "$f"; done
commit=$(git -C "$TCEX_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)

access_id=tcex-suite
secret=tcex-suite-secret
"$root/target/debug/tc-sandbox" --listen 127.0.0.1:0 --db "$run/sandbox.db" --seed empty \
    --access-id "$access_id" --secret-key "$secret" >"$run/listen.txt" 2>"$run/sandbox.log" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$run/listen.txt" && break
    kill -0 $sandbox 2>/dev/null || die "tc-sandbox did not start: $(cat "$run/sandbox.log")"
    sleep 0.1
done
origin=$(sed -n 's/^listening on //p' "$run/listen.txt")
[ -n "$origin" ] || die "tc-sandbox did not start"

printf 'tcex-suite: tcex %s, tests from %s (%s), sandbox %s, %s workers\n' \
    "$("$root/target/tcex-suite-venv/bin/python" -c 'import tcex; print(tcex.__version__)')" "$TCEX_SRC" "$commit" "$origin" "$JOBS"
started=$(date +%s)
set +e
(
    cd "$run"
    env -u TC_APP_PARAM_FILE -u TC_APP_PARAM_KEY \
        TC_API_PATH="$origin/api" TC_TOKEN_URL=/v3/token/ \
        TC_API_ACCESS_ID="$access_id" TC_API_SECRET_KEY="$secret" \
        TC_OWNER='Demo Org' API_DEFAULT_ORG='Demo Org' PYTHONDONTWRITEBYTECODE=1 \
        "$root/target/tcex-suite-venv/bin/python" -m pytest -p no:cacheprovider -q -o addopts= \
        -n "$JOBS" --dist loadfile --junitxml="$run/junit.xml" "${args[@]}" >"$run/pytest.log" 2>&1
)
set -e
elapsed=$(($(date +%s) - started))
tail -3 "$run/pytest.log"
"$root/target/tcex-suite-venv/bin/python" "$root/scripts/tcex-suite-summary.py" "$run/junit.xml" "$run/failures.txt" \
    "$(date -u +%Y-%m-%d), tcex $commit, ${elapsed} s, $JOBS workers"
