#!/bin/sh
# kiln-launch (tools/kiln_launch.cpp): each rank's environment and rank-prefixed output;
# a failing rank stops the others at once and its status is kiln-launch's; --timeout stops
# a hung job with 124; bad usage is status 2.
#   launcher_check.sh KILN_LAUNCH
set -u
launch=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Three ranks: each sees its rank, the world size, one shared rendezvous folder that exists.
"$launch" -n 3 -- sh -c 'echo "rank=$KILN_RANK size=$KILN_WORLD_SIZE backend=$KILN_BACKEND"; test -d "${KILN_RENDEZVOUS#file://}" && echo "$KILN_RENDEZVOUS"; printf "no newline"' \
  > "$out/three" 2> "$out/three.err" || fail "3 ranks exited with $?"
for r in 0 1 2; do
  grep -qx "\[rank $r\] rank=$r size=3 backend=gloo" "$out/three" || fail "rank $r's line: $(cat "$out/three")"
  grep -qx "\[rank $r\] no newline" "$out/three" || fail "rank $r's last partial line"
done
[ "$(grep -c 'file://' "$out/three")" = 3 ] || fail "every rank sees a rendezvous folder"
[ "$(grep 'file://' "$out/three" | sed 's/^\[rank [0-9]\] //' | sort -u | wc -l)" = 1 ] || fail "one rendezvous folder"
folder=$(grep 'file://' "$out/three" | head -1 | sed 's/^\[rank [0-9]\] file:\/\///')
[ ! -e "$folder" ] || fail "the temporary rendezvous folder is removed"

# stderr stays stderr, prefixed too.
"$launch" -n 2 -- sh -c 'echo oops >&2' > "$out/err.out" 2> "$out/err.err" || fail "stderr run"
grep -qx '\[rank 1\] oops' "$out/err.err" || fail "rank 1's stderr line"
[ ! -s "$out/err.out" ] || fail "nothing on stdout"

# Rank 1 fails at once: rank 0's 60 s sleep is stopped, the status is rank 1's.
start=$(date +%s)
"$launch" -n 2 -- sh -c 'if [ "$KILN_RANK" = 1 ]; then exit 3; fi; sleep 60' > /dev/null 2> "$out/fail.err"
rc=$?
[ $rc = 3 ] || fail "a failing rank's status: got $rc"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the other rank was not stopped"
grep -q 'rank 1 exited with status 3; stopping the other ranks' "$out/fail.err" || fail "$(cat "$out/fail.err")"

# A rank killed by a signal: 128 + signal.
"$launch" -n 2 -- sh -c 'if [ "$KILN_RANK" = 0 ]; then kill -9 $$; fi; sleep 60' > /dev/null 2> "$out/kill.err"
rc=$?
[ $rc = 137 ] || fail "a killed rank's status: got $rc"
grep -q 'rank 0 was killed by signal 9' "$out/kill.err" || fail "$(cat "$out/kill.err")"

# A hung job: --timeout stops it with 124.
start=$(date +%s)
"$launch" -n 2 --timeout 1 -- sleep 60 > /dev/null 2> "$out/timeout.err"
rc=$?
[ $rc = 124 ] || fail "--timeout's status: got $rc"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "--timeout did not stop the ranks"

# Usage errors and a program that does not exist.
"$launch" -- true > /dev/null 2>&1; [ $? = 2 ] || fail "no -n"
"$launch" -n 2 > /dev/null 2>&1; [ $? = 2 ] || fail "no program"
"$launch" -n 2 --backend nccl -- true > /dev/null 2>&1; [ $? = 2 ] || fail "unknown backend"
"$launch" -n 1 -- /nonexistent/prog > /dev/null 2> "$out/missing.err"; rc=$?
[ $rc = 127 ] || fail "a missing program: got $rc"
grep -q "cannot run '/nonexistent/prog'" "$out/missing.err" || fail "$(cat "$out/missing.err")"
echo "kiln-launch: all checks passed"
