#!/usr/bin/env bash
# The whole test suite: sets up, builds the normal and the address/undefined-sanitizer
# configurations and runs ctest in both (and the GPU check's dry run on the normal build),
# then runs the multi-threaded tests under the thread sanitizer.
#   scripts/test.sh                          everything
#   KILN_SKIP_SANITIZERS=1 scripts/test.sh   the normal build only (quicker, local use)
# Tests tagged [concurrency] are the ones run under the thread sanitizer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${KILN_JOBS:-2}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths relative to the checkout, so a fresh clone elsewhere reuses the compile cache.
export CCACHE_BASEDIR="$root"
export CCACHE_NOHASHDIR=1
# kiln's persistent compile cache: a fresh folder for this run (the suite's processes share
# it, so later tests load code earlier ones compiled), not the user's.
KILN_CACHE_DIR=$(mktemp -d)
export KILN_CACHE_DIR
trap 'rm -rf "$KILN_CACHE_DIR"' EXIT

"$root/scripts/setup.sh" "$root/build"
cmake --build "$root/build" -j "$jobs"
echo "== ctest (release)"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")
echo "== the GPU check, dry run (scripts/gpu-check.sh without a GPU)"
"$root/scripts/gpu-check.sh" --dry-run --build-dir "$root/build" --jobs "$jobs"

if [ "${KILN_SKIP_SANITIZERS:-0}" != 1 ]; then
  "$root/scripts/setup.sh" "$root/build-asan" -DKILN_SANITIZE=address
  cmake --build "$root/build-asan" -j "$jobs"
  echo "== ctest (address + undefined sanitizers)"
  # allocator_may_return_null: an allocation the machine cannot satisfy returns null, as
  # malloc does, so kiln's "cannot allocate" errors are tested (ASan aborts by default).
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")

  "$root/scripts/setup.sh" "$root/build-tsan" -DKILN_SANITIZE=thread
  cmake --build "$root/build-tsan" -j "$jobs" --target kiln_tests
  # kiln's own threads (kiln::function's cache, tracing, variables under 16 std::threads);
  # kernels run single-threaded, since TSan cannot see oneTBB's internal synchronization.
  echo "== thread sanitizer: the multi-threaded tests"
  KILN_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1 "$root/build-tsan/test/kiln_tests" "[concurrency]"
fi
