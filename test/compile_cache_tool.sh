#!/usr/bin/env bash
# kiln-cache stats|verify|clear on a folder kiln-bench's children filled.
# usage: compile_cache_tool.sh KILN_CACHE KILN_BENCH
set -euo pipefail
tool=$1
bench=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
export KILN_CACHE_DIR=$dir
"$bench" --first-call W0 >/dev/null
"$bench" --first-call W1 >/dev/null
stats=$("$tool" stats)
echo "$stats"
echo "$stats" | grep -q "^entries: *2$" || fail "stats: not 2 entries"
bytes=$(cat "$dir"/*.kjit | wc -c)
echo "$stats" | grep -q "^bytes: *$bytes$" || fail "stats: not $bytes bytes"
"$tool" verify || fail "verify: a fresh folder is damaged"
victim=$(ls "$dir"/*.kjit | head -1)
printf 'x' | dd of="$victim" bs=1 seek=200 conv=notrunc status=none
if "$tool" --dir "$dir" verify; then fail "verify: a flipped byte passed"; fi
[ "$(ls "$dir"/*.kjit | wc -l)" = 1 ] || fail "verify: the damaged entry was not removed"
"$tool" clear
[ "$(ls "$dir"/*.kjit 2>/dev/null | wc -l)" = 0 ] || fail "clear: entries left"
KILN_CACHE_DIR=off "$tool" stats | grep -q "off" || fail "stats with the cache off"
echo "kiln-cache: stats, verify and clear work"
