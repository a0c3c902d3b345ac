#!/usr/bin/env bash
# The long differential runs beside the suite ("no silent wrong answers"): the edge tester
# (test/test_edges_random.cpp) over 10^6 (program, input) cases, and the chain tester
# (test/test_jit_random.cpp) over many more seeds than the suite's 500, each case run
# eagerly, in graph mode and by the JIT. Prints each tester's summary line.
#   scripts/differential.sh [BUILD_DIR]        (default: build; built by scripts/test.sh)
#   EDGE_SEEDS=125000 EDGE_SETS=8 CHAIN_SEEDS=20000 scripts/differential.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
tests="$build/test/kiln_tests"
[ -x "$tests" ] || { echo "differential: no $tests (run scripts/test.sh first)" >&2; exit 2; }

edge_seeds=${EDGE_SEEDS:-125000}   # x EDGE_SETS input sets = cases
edge_sets=${EDGE_SETS:-8}
chain_seeds=${CHAIN_SEEDS:-20000}
chunk=${CHUNK:-5000}               # seeds per process: a failure report stays readable

# The edge tester's compiled functions go to a compile cache of this run's own.
KILN_CACHE_DIR=$(mktemp -d)
export KILN_CACHE_DIR
trap 'rm -rf "$KILN_CACHE_DIR"' EXIT
start=$(date +%s)
failed=0
echo "== edge tester: $edge_seeds seeds x $edge_sets input sets"
for ((first = 1; first <= edge_seeds; first += chunk)); do
  n=$((edge_seeds - first + 1 < chunk ? edge_seeds - first + 1 : chunk))
  if ! KILN_EDGE_FIRST=$first KILN_EDGE_CASES=$n KILN_EDGE_SETS=$edge_sets KILN_EDGE_VERBOSE=1 \
      "$tests" "at the edges of every dtype*" > "/tmp/kiln-edge-$first.log" 2>&1; then
    failed=1
    echo "seeds $first..$((first + n - 1)): FAILED (see /tmp/kiln-edge-$first.log)"
    grep -E -m5 "^  seed [0-9]+: " "/tmp/kiln-edge-$first.log" || true
  fi
  grep -h "^edge tester:" "/tmp/kiln-edge-$first.log" | cut -c1-200
done

# Each chunk twice over one fresh compile-cache folder: compiled, then (a new process) with
# every program's code loaded from the cache, which must agree with eager as well.
echo "== chain tester: $chain_seeds seeds x 2 input sets, compiled then from the compile cache"
for ((first = 1; first <= chain_seeds; first += chunk)); do
  n=$((chain_seeds - first + 1 < chunk ? chain_seeds - first + 1 : chunk))
  cache=$(mktemp -d)
  for pass in compiled cached; do
    log="/tmp/kiln-chain-$first-$pass.log"
    if ! KILN_CACHE_DIR=$cache KILN_JIT_FIRST=$first KILN_JIT_CASES=$n KILN_JIT_VERBOSE=1 \
        "$tests" "*agree on random graphs" > "$log" 2>&1; then
      failed=1
      echo "seeds $first..$((first + n - 1)) ($pass): FAILED (see $log)"
      grep -E -m5 "^  seed [0-9]+: " "$log" || true
    fi
    echo "$pass: $(grep -h "seeds in" "$log" | cut -c1-240)"
  done
  rm -rf "$cache"
done
echo "differential: $(( $(date +%s) - start )) s, $([ $failed = 0 ] && echo "no failures" || echo FAILURES)"
exit $failed
