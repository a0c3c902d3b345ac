#!/usr/bin/env bash
# The persistent compile cache across processes (kiln-bench --first-call children):
#  1. for every workload, a second process finds the first one's code on disk: a disk hit,
#     no codegen, and results with the same digest;
#  2. 4 processes compiling one function into an empty folder at once, 20 times: all succeed,
#     agree, and leave one entry and no temporary file.
# usage: compile_cache_processes.sh KILN_BENCH [ROUNDS]
set -euo pipefail
bench=$1
rounds=${2:-20}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
field() { echo "$1" | awk -v n="$2" '{print $n}'; }

# (W8 has a table of its own, not a --first-call workload.)
for id in $("$bench" --list | awk '!/its own table/ {print $1}'); do
  rm -rf "$dir/c" && mkdir -m 700 "$dir/c"
  first=$(KILN_CACHE_DIR="$dir/c" "$bench" --first-call "$id") || fail "$id: first process"
  second=$(KILN_CACHE_DIR="$dir/c" "$bench" --first-call "$id") || fail "$id: second process"
  [ "$(field "$first" 8)" = 1 ] || fail "$id: the first process did not compile and store ($first)"
  [ "$(field "$second" 7)" = 1 ] || fail "$id: the second process missed ($second)"
  [ "$(field "$second" 4)" = 0 ] || fail "$id: the second process generated code ($second)"
  [ "$(field "$first" 9)" = "$(field "$second" 9)" ] || fail "$id: results differ ($first / $second)"
  echo "$id: second process hit, no codegen, same results (first call $(field "$first" 1) -> $(field "$second" 1) ms)"
done

for round in $(seq "$rounds"); do
  rm -rf "$dir/c" && mkdir -m 700 "$dir/c"
  pids=()
  for k in 1 2 3 4; do
    KILN_CACHE_DIR="$dir/c" "$bench" --first-call W1 >"$dir/out$k" 2>&1 &
    pids+=($!)
  done
  for k in 1 2 3 4; do wait "${pids[$((k - 1))]}" || fail "round $round: process $k: $(cat "$dir/out$k")"; done
  for k in 2 3 4; do
    [ "$(field "$(cat "$dir/out$k")" 9)" = "$(field "$(cat "$dir/out1")" 9)" ] ||
      fail "round $round: processes 1 and $k disagree"
  done
  entries=$(find "$dir/c" -name '*.kjit' | wc -l)
  temps=$(find "$dir/c" -name '.tmp-*' | wc -l)
  [ "$entries" = 1 ] && [ "$temps" = 0 ] || fail "round $round: $entries entries, $temps temporary files"
done
echo "$rounds rounds of 4 processes compiling into one empty folder: all agree, one entry, no temporary file"
