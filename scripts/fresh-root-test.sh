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
mirror=${KILN_DEBIAN_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "fresh-root-test: run as root" >&2; exit 2; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

t0=$(date +%s)
if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "== debootstrap bookworm into $root"
  debootstrap --variant=minbase --include=ca-certificates,git,sudo bookworm "$root" "$mirror" > "$root.debootstrap.log" 2>&1 ||
    { tail -20 "$root.debootstrap.log"; exit 1; }
fi
t1=$(date +%s)

mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for fs in proc sys dev dev/pts; do
  mkdir -p "$root/$fs"
  case $fs in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sys "$root/sys" ;;
    *) mount --bind "/$fs" "$root/$fs" ;;
  esac
  mounted+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
[ -e /etc/apt/sources.list.d/debian.sources ] && cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"

# A fresh clone of what is committed (as CI takes it).
rm -rf "$root/kiln"
git clone -q "$repo" "$root/kiln"
echo "== in the fresh root: $command"
set +e
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  bash -c "cd /kiln && apt-get update -qq && $command" > "$root.test.log" 2>&1
rc=$?
set -e
t2=$(date +%s)
grep -E "tests passed|tests failed|Skipped|Failed|The following tests" "$root.test.log" | tail -20 || true
echo "fresh-root-test: debootstrap $((t1 - t0)) s; '$command' $((t2 - t1)) s; exit $rc (log: $root.test.log)"
if [ -e "$root/usr/local/cuda" ]; then echo "fresh-root-test: the root has a CUDA toolkit?" >&2; exit 1; fi
exit $rc
