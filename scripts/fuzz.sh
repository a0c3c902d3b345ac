#!/usr/bin/env bash
# The loaders' fuzzing, longer than the suite's:
#  1. each mutation test (Catch tag [fuzz]: safetensors, checkpoints and saved functions,
#     damaged and behind a recomputed digest) with RUNS mutated files each (default 10^6) in
#     the address/undefined-sanitizer build, so a read out of bounds or an overflow is a
#     report;
#  2. kiln-ir's .mlir loader (kiln_ir_text_fuzz): RUNS texts in the release build (each is
#     parsed in a forked child first, and a fork of an ASan process costs ~14 ms, 5x a
#     release one) and RUNS/20 under ASan/UBSan for kiln's own code behind the parser;
#  3. the mutants that reach MLIR's parser (behind the digest) under valgrind, VALGRIND_RUNS
#     of them (default 20,000): libMLIR is not instrumented, and ASan does not see it write
#     freed memory (which it did on files with forward references: graph_text_guard.h).
# Prints each loader's figures.
#   scripts/fuzz.sh [RUNS [SEED [VALGRIND_RUNS]]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1000000}
seed=${2:-$(date +%s)}
valgrind_runs=${3:-20000}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
"$root/scripts/setup.sh" "$root/build-asan" -DKILN_SANITIZE=address
command -v valgrind >/dev/null || apt-get install -y valgrind >/dev/null
cmake --build "$root/build-asan" -j "${KILN_JOBS:-2}" --target kiln_tests kiln_ir_text_fuzz
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
run() {  # run NAME COMMAND...: its figures, or its log's tail when it fails
  local name=$1
  shift
  echo "== $name"
  set +e
  "$@" > "$log" 2>&1
  local rc=$?
  set -e
  grep -E "^fuzz |test cases|All tests passed|ERROR: AddressSanitizer|runtime error|Invalid (read|write)|ERROR SUMMARY" "$log" || true
  if [ $rc != 0 ]; then
    tail -40 "$log"
    status=1
  fi
}
export KILN_FUZZ_SEED=$seed
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run "$runs mutated files per loader, seed $seed (ASan + UBSan)" \
  env KILN_FUZZ_RUNS=$runs "$root/build-asan/test/kiln_tests" "[fuzz]"
run "kiln-ir .mlir: $((runs / 20)) mutated IR texts (ASan + UBSan)" \
  env KILN_FUZZ_RUNS=$((runs / 20)) "$root/build-asan/test/kiln_ir_text_fuzz"
# The release build for the rest (valgrind and ASan's shadow memory do not mix).
"$root/scripts/setup.sh" "$root/build"
cmake --build "$root/build" -j "${KILN_JOBS:-2}" --target kiln_tests kiln_ir_text_fuzz
run "kiln-ir .mlir: $runs mutated IR texts (release)" \
  env KILN_FUZZ_RUNS=$runs "$root/build/test/kiln_ir_text_fuzz"
run "$valgrind_runs mutants behind the digest per loader (valgrind)" \
  env KILN_FUZZ_RUNS=$valgrind_runs valgrind -q --error-exitcode=99 \
  "$root/build/test/kiln_tests" "*behind a recomputed digest*"
echo "fuzz: $(( $(date +%s) - start )) s, exit $status"
exit $status
