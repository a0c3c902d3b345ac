#!/usr/bin/env bash
# Installs the Debian package (scripts/package.sh) into a fresh Debian 12 root made with
# debootstrap, with apt-get as a user would (which installs its dependencies), then builds
# and runs a user's program against it: test/consumer/run.sh with CMake's find_package and
# with pkg-config, the tools' --version. Reports how long each part took. Run as root.
#   scripts/package-test.sh [DEB [ROOT_DIR]]   default: the newest bundle/kiln_*.deb,
#                                               /tmp/kiln-package-root (made afresh)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
deb=${1:-$(ls -t "$repo"/bundle/kiln_*_amd64.deb 2>/dev/null | head -1)}
root=${2:-/tmp/kiln-package-root}
[ -f "$deb" ] || { echo "package-test: no package; run scripts/package.sh first" >&2; exit 2; }
version=$(dpkg-deb --field "$deb" Version)
# shellcheck source=scripts/lib/debian-root.sh
source "$repo/scripts/lib/debian-root.sh"

t0=$(date +%s)
rm -rf "$root"  # fresh: nothing of an earlier install may help
debian_root_make "$root"
t1=$(date +%s)
debian_root_enter "$root"
mkdir -p "$root/kiln-test"
cp "$deb" "$root/kiln-test/"
cp -r "$repo/test/consumer" "$root/kiln-test/"

echo "== in the fresh root: apt-get install ./$(basename "$deb") and a compiler, then the consumer"
set +e
debian_root_run "$root" "set -e; cd /kiln-test; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./$(basename "$deb") g++ cmake ninja-build pkgconf >/dev/null
  dpkg -s kiln | grep -E '^(Version|Depends)'
  ./consumer/run.sh --prefix /usr ${version%.*}" > "$root.test.log" 2>&1
rc=$?
set -e
t2=$(date +%s)
cat "$root.test.log"
echo "package-test: debootstrap $((t1 - t0)) s; install and consumer $((t2 - t1)) s; exit $rc"
exit $rc
