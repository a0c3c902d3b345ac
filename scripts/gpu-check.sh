#!/usr/bin/env bash
# The GPU check, in one command: build kiln with CUDA on every core, run the whole test suite
# (the GPU tests run instead of skipping), run kiln-bench on the device with its roofline,
# and print one summary: the tests passed, failed and skipped, the GPU tests' own results,
# kiln-bench's table and device goals, and how long each stage took.
#
#   scripts/gpu-check.sh [--dry-run] [--build-dir DIR] [--jobs N] [--skip-build]
#   scripts/gpu-check.sh --bundle FILE [--dry-run]
#
#   --dry-run       on a machine without a GPU: every stage that can run without one (the
#                   CUDA build, the suite with the GPU tests skipped and the fake driver's
#                   tests run, kiln-bench refusing a missing device cleanly, the summary);
#                   the normal suite runs it this way
#   --build-dir D   the build directory (default: build-gpu beside the sources); an
#                   existing one is reused, so a second try only rebuilds what changed
#   --jobs N        parallel build and test jobs (default: every core)
#   --skip-build    use the build directory as it is (no setup, no build)
#   --bundle FILE   no build: unpack FILE (made by scripts/gpu-bundle.sh: the GPU tests and
#                   kiln-bench, self-contained) and run the check with it, for a GPU
#                   machine without LLVM, OpenBLAS or a network
#
# With $OUT set, the summary, the logs and kiln-bench's JSON are written there too.
# Exit status: 0 when every test passed and kiln-bench ran (goals are reported, not
# enforced), 1 when something failed, 2 for bad arguments or no GPU without --dry-run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

dry_run=0
skip_build=0
build="$root/build-gpu"
jobs=$(nproc 2>/dev/null || echo 2)
bundle=""
usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --skip-build) skip_build=1 ;;
    --build-dir)
      [ $# -ge 2 ] || { echo "gpu-check: --build-dir needs a directory" >&2; exit 2; }
      build=$2
      shift ;;
    --bundle)
      [ $# -ge 2 ] && [ -f "$2" ] || { echo "gpu-check: --bundle needs a bundle file" >&2; exit 2; }
      bundle=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
      shift ;;
    --jobs)
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "gpu-check: --jobs needs a positive number" >&2; exit 2; }
      jobs=$2
      shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $build = /* ]] || build="$PWD/$build"

logs=$(mktemp -d "${TMPDIR:-/tmp}/kiln-gpu-check.XXXXXX")
summary="$logs/summary.txt"
status=0
declare -a stage_lines=()

# Runs one stage: its output goes to $logs/<name>.log, its time to the summary.
stage() {
  local name=$1
  shift
  local start end rc
  start=$(date +%s%N)
  "$@" >"$logs/$name.log" 2>&1
  rc=$?
  end=$(date +%s%N)
  stage_lines+=("$(printf '  %-8s %7s s  %s' "$name" "$(awk "BEGIN { printf \"%.1f\", ($end - $start) / 1e9 }")" \
    "$([ $rc = 0 ] && echo ok || echo "failed (exit $rc, see $name.log)")")")
  return $rc
}

# ---- the device ---------------------------------------------------------------------------
gpu="none"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
fi
if [ "$gpu" = none ] && [ $dry_run = 0 ]; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi finds none); use --dry-run to check the rest" >&2
  exit 2
fi

# ---- build ----------------------------------------------------------------------------------
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
build_kiln() {
  "$root/scripts/setup.sh" "$build" -DKILN_CUDA=ON || return 1
  # The CUDA kernels are built by nvcc rules: without them CMake found no toolkit.
  if ! grep -q "nvcc" "$build/build.ninja"; then
    echo "gpu-check: $build has no CUDA backend (no toolkit found when it was configured)"
    return 1
  fi
  cmake --build "$build" -j "$jobs"
}
unpacked=""
unpack() {
  unpacked="$logs/bundle"
  mkdir -p "$unpacked" && tar -C "$unpacked" -xJf "$bundle" &&
    echo "bundle of commit $(cat "$unpacked/kiln/commit"): $(ls "$unpacked/kiln/bin" | tr '\n' ' ')"
}
if [ -n "$bundle" ]; then
  stage unpack unpack || status=1
  unpacked="$logs/bundle"
elif [ $skip_build = 0 ]; then
  stage build build_kiln || status=1
fi
# How to start kiln-bench: from the build, or through the bundle's loader.
if [ -n "$bundle" ]; then
  bench_cmd=("$unpacked/kiln/run" kiln-bench)
else
  bench_cmd=("$build/tools/kiln-bench")
fi

# ---- tests ----------------------------------------------------------------------------------
run_tests() {
  # Without a GPU only the CUDA tests (the fake driver's, the skips) are worth a second run.
  local only=()
  [ "$gpu" = none ] && only=(-R '^(gpu|cuda)[.]')
  cd "$build" && ctest --output-on-failure -j "$jobs" "${only[@]}"
}
run_bundle_tests() {
  # The bundle holds the GPU tests (every op in eager, graph and jit mode on the device
  # against the CPU); exit 77 is "no device", a pass only in a dry run.
  "$unpacked/kiln/run" kiln_gpu_tests
  local rc=$?
  case $rc in
    0) echo "gpu.cuda_ops: passed" ;;
    77) echo "gpu.cuda_ops: skipped (no device)"
        [ $dry_run = 1 ] || return 1 ;;
    *) echo "gpu.cuda_ops: FAILED (exit $rc)"; return 1 ;;
  esac
}
if [ $status = 0 ]; then
  if [ -n "$bundle" ]; then
    stage tests run_bundle_tests || status=1
  else
    stage tests run_tests || status=1
  fi
fi

# ---- kiln-bench on the device ---------------------------------------------------------------
bench_json="$logs/kiln-bench.json"
run_bench() {
  # OpenBLAS picks its own kernel, as on users' machines (the CPU parts are skipped anyway).
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${bench_cmd[@]}" --device cuda --roofline \
    --json "$bench_json"
}
refuses_missing_device() {
  # Without a device kiln-bench must refuse cleanly: exit 2, saying why.
  "${bench_cmd[@]}" --device cuda --filter W0 --reps 1 --min-time 0.01
  local rc=$?
  [ $rc = 2 ] || { echo "gpu-check: kiln-bench --device cuda without a GPU exited $rc, not 2"; return 1; }
}
if [ -x "${bench_cmd[0]}" ]; then
  if [ $dry_run = 1 ] && [ "$gpu" = none ]; then
    stage bench refuses_missing_device || status=1
  else
    stage bench run_bench || status=1
  fi
elif [ $status = 0 ]; then
  echo "gpu-check: ${bench_cmd[0]} is missing" >"$logs/bench.log"
  status=1
fi

# ---- summary --------------------------------------------------------------------------------
{
  echo "== kiln GPU check ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "device: $gpu$([ $dry_run = 1 ] && echo '  [dry run]')"
  echo "cores: $(nproc 2>/dev/null), $([ -n "$bundle" ] && echo "bundle: $bundle" || echo "build: $build")"
  echo "stages:"
  printf '%s\n' "${stage_lines[@]}"
  if [ -f "$logs/tests.log" ]; then
    echo "tests:"
    if [ -z "$bundle" ]; then
      grep -E "tests passed|tests failed out of" "$logs/tests.log" | sed 's/^/  /'
      echo "  skipped: $(grep -c "\*\*\*Skipped\|Not Run" "$logs/tests.log")"
      echo "  the GPU tests:"
      grep -E "Test +#[0-9]+: (gpu|cuda)\." "$logs/tests.log" | sed -E 's/^ *[0-9]+\/[0-9]+ /    /; s/ \.{3,}/ /'
      grep -A100 "The following tests FAILED" "$logs/tests.log" | sed 's/^/  /'
    fi
    grep "^gpu.cuda_ops: " "$logs/tests.log" | sed 's/^/  /'
    [ -n "$bundle" ] && grep -E "test cases|assertions|FAILED" "$logs/tests.log" | tail -5 | sed 's/^/  /'
  fi
  if [ -f "$logs/bench.log" ]; then
    echo "kiln-bench:"
    grep -v "^\[W[0-9].*\]\|^\[C[0-9].*\]" "$logs/bench.log" | sed 's/^/  /'
  fi
  echo "result: $([ $status = 0 ] && echo passed || echo FAILED)"
} >"$summary"
cat "$summary"

if [ -n "${OUT:-}" ]; then
  rm -rf "$logs/bundle"  # the unpacked bundle is not worth keeping
  mkdir -p "$OUT" && cp -r "$logs"/. "$OUT"/
  echo "(summary, logs and kiln-bench's JSON written to $OUT)"
fi
# The logs stay for a failed check (the summary names them), go for a passed one.
if [ $status = 0 ]; then rm -rf "$logs"; else echo "(logs: $logs)"; fi
exit $status
