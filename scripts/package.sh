#!/usr/bin/env bash
# Builds the Debian package kiln_<version>_amd64.deb (cmake/KilnPackage.cmake) from a
# portable build in build-package/: -DKILN_NATIVE=OFF (the eager kernels for any x86-64;
# the JIT still compiles for the machine it runs on), installed under /usr.
#   scripts/package.sh [OUT_DIR]      default: bundle/ (ignored by git)
# scripts/package-test.sh installs the package into a fresh Debian root and builds a user's
# program against it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bundle}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$root/build-package"
jobs=${KILN_JOBS:-$(nproc 2>/dev/null || echo 2)}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

# dpkg-shlibdeps (dpkg-dev) and file compute the package's dependencies.
for p in dpkg-dev file; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
# The install needs only what it installs built, not the tests.
"$root/scripts/setup.sh" "$build" -DKILN_NATIVE=OFF -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON
# docs: the API reference the package ships under /usr/share/doc/kiln/api.
cmake --build "$build" -j "$jobs" --target kiln_shared kiln-ir kiln-bench kiln-accuracy kiln-cache kiln-opt docs
(cd "$build" && cpack -G DEB -B "$out" > "$build/cpack.log") || { cat "$build/cpack.log"; exit 1; }
rm -rf "$out/_CPack_Packages"
deb=$(ls -t "$out"/kiln_*_amd64.deb | head -1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Package Version Depends
