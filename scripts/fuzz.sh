#!/usr/bin/env bash
# The loaders' fuzzing, longer than the suite's: each mutation test (Catch tag [fuzz]) with
# KILN_FUZZ_RUNS mutated files (default 10^6) in the address/undefined-sanitizer build, so a
# read out of bounds or an overflow is a report, not luck. Prints each loader's figures.
#   scripts/fuzz.sh [RUNS [SEED]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1000000}
seed=${2:-$(date +%s)}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
"$root/scripts/setup.sh" "$root/build-asan" -DKILN_SANITIZE=address
cmake --build "$root/build-asan" -j "${KILN_JOBS:-2}" --target kiln_tests
echo "== $runs mutated files per loader, seed $seed (ASan + UBSan)"
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
KILN_FUZZ_RUNS=$runs KILN_FUZZ_SEED=$seed \
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$root/build-asan/test/kiln_tests" "[fuzz]" > "$log" 2>&1
rc=$?
set -e
grep -E "^fuzz |test cases|All tests passed|ERROR: AddressSanitizer|runtime error" "$log" || true
[ $rc = 0 ] || tail -40 "$log"
echo "fuzz: $(( $(date +%s) - start )) s, exit $rc"
exit $rc
