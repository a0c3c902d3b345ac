#!/usr/bin/env bash
# The main job: sets up, builds kiln-bench and runs it (extra arguments go to kiln-bench;
# default: every workload plus the roofline).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" "$root/build"
cmake --build "$root/build" -j "${KILN_JOBS:-2}" --target kiln-bench
if (($#)); then exec "$root/build/tools/kiln-bench" "$@"; fi
exec "$root/build/tools/kiln-bench" --roofline
