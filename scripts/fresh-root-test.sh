#!/usr/bin/env bash
# The README's test command in a fresh Debian 12 root made with debootstrap: nothing but a
# minimal Debian (no CUDA toolkit, no compilers, none of kiln's packages), as a new machine
# or a user's container would be. scripts/setup.sh must install what the build needs, and
# the suite must pass there (the CUDA tests reporting themselves skipped). Reports how long
# each part took. Run as root (debootstrap, chroot, mounts).
#   scripts/fresh-root-test.sh [ROOT_DIR]        (default /tmp/kiln-fresh-root; reused if there)
#   KILN_FRESH_COMMAND="KILN_SKIP_SANITIZERS=1 ./scripts/test.sh" scripts/fresh-root-test.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/tmp/kiln-fresh-root}
command=${KILN_FRESH_COMMAND:-./scripts/test.sh}
# shellcheck source=scripts/lib/debian-root.sh
source "$repo/scripts/lib/debian-root.sh"

t0=$(date +%s)
debian_root_make "$root" ca-certificates,git,sudo
t1=$(date +%s)
debian_root_enter "$root"

# A fresh clone of what is committed (as CI takes it).
rm -rf "$root/kiln"
git clone -q "$repo" "$root/kiln"
echo "== in the fresh root: $command"
set +e
debian_root_run "$root" "cd /kiln && apt-get update -qq && $command" > "$root.test.log" 2>&1
rc=$?
set -e
t2=$(date +%s)
grep -E "tests passed|tests failed|Skipped|Failed|The following tests" "$root.test.log" | tail -20 || true
echo "fresh-root-test: debootstrap $((t1 - t0)) s; '$command' $((t2 - t1)) s; exit $rc (log: $root.test.log)"
if [ -e "$root/usr/local/cuda" ]; then echo "fresh-root-test: the root has a CUDA toolkit?" >&2; exit 1; fi
exit $rc
