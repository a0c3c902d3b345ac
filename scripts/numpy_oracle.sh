#!/usr/bin/env bash
# NumPy as an oracle for kiln: the edge tester writes its cases and kiln's
# results (KILN_EDGE_DUMP), scripts/numpy_oracle.py replays them with NumPy and kiln's
# documented differences. Needs Debian's python3-numpy (installed if missing).
#   scripts/numpy_oracle.sh [SEEDS] [BUILD_DIR]       (default 1250 seeds = 10,000 cases)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${1:-1250}
build=${2:-$root/build}
if ! /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-numpy >/dev/null
fi
dump=$(mktemp /tmp/kiln-edge-dump.XXXXXX.jsonl)
trap 'rm -f "$dump"' EXIT
KILN_EDGE_CASES=$seeds KILN_EDGE_DUMP=$dump "$build/test/kiln_tests" "at the edges of every dtype*" >/dev/null
/usr/bin/python3 "$root/scripts/numpy_oracle.py" "$dump"
