#!/usr/bin/env bash
# ctest checkpoint.resume_in_fresh_process: 20 training steps in one process give the same
# losses, bit for bit, as 10 steps that save a checkpoint and 10 more in a fresh process
# that restores it (compiled, then eager).
#   test/checkpoint_resume_check.sh PATH/TO/checkpoint_resume
set -euo pipefail
prog=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in "" --eager; do
  "$prog" 0 20 $mode > "$tmp/whole"
  "$prog" 0 10 --save-after 10 "$tmp/step10.safetensors" $mode > "$tmp/first"
  "$prog" 10 20 --restore "$tmp/step10.safetensors" $mode > "$tmp/second"
  cat "$tmp/first" "$tmp/second" > "$tmp/resumed"
  [ "$(wc -l < "$tmp/whole")" = 20 ] || { echo "expected 20 losses" >&2; exit 1; }
  if ! cmp -s "$tmp/whole" "$tmp/resumed"; then
    echo "resumed run ${mode:-compiled} differs from the uninterrupted one:" >&2
    paste "$tmp/whole" "$tmp/resumed" >&2
    exit 1
  fi
  # Not a run that repeats itself: the losses change from step to step.
  [ "$(sort -u "$tmp/whole" | wc -l)" -gt 10 ] || { echo "losses do not change" >&2; exit 1; }
done
echo "checkpoint: 20 steps = 10 + restore in a fresh process + 10, bit for bit (compiled and eager)"
