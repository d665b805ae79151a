#!/usr/bin/env bash
# Pins the API origins of a package: `scripts/api-origins.sh UI_DIR "ORIGIN ..."` writes the
# origins (besides the page's own, 'self') into the Content-Security-Policy `connect-src` of
# UI_DIR/index.html, UI_DIR/publish-import.html and UI_DIR/triage.html. `make package API_ORIGINS=...` also compiles the
# same list into the wasm (PIVOT_API_ORIGINS), which refuses any other tcApiPath.
# An origin is https://host[:port], or http:// on this computer's loopback; nothing else.
# `scripts/api-origins.sh --check "ORIGIN ..."` only checks them (before a long build).
set -euo pipefail
dir="$1"
origins="${2:-}"
die() { printf 'api-origins: %s\n' "$*" >&2; exit 1; }

for o in $origins; do
    [[ "$o" =~ ^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]] \
        || [[ "$o" =~ ^http://(localhost|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|\[::1\])(:[0-9]{1,5})?$ ]] \
        || die "\"$o\" is not an origin (https://host[:port], or http:// on loopback; no path, no wildcard)"
    # A browser writes an origin without its scheme's default port, and Pivot compares origins
    # as the browser writes them: with :443 (or :80) the origin would never match.
    [[ "$o" =~ ^https://.*:0*443$ || "$o" =~ ^http://.*:0*80$ ]] && die "\"$o\": leave out the default port (${o%:*})"
done
[ "$dir" = --check ] && exit 0
for page in index.html publish-import.html triage.html; do
    f="$dir/$page"
    [ -f "$f" ] || die "$f is missing"
    grep -q "connect-src 'self';" "$f" || die "$f has no \"connect-src 'self';\" to pin"
    if [ -n "$origins" ]; then
        # The origins were checked above: letters, digits, . - : / [ ] only.
        sed -i "s#connect-src 'self';#connect-src 'self' $origins;#" "$f"
    fi
done
echo "api-origins: connect-src 'self'${origins:+ $origins}"
