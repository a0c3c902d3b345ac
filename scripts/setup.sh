#!/usr/bin/env bash
# Installs what kiln needs (only the Debian packages that are missing) and configures a
# build directory with Ninja and ccache.
#   scripts/setup.sh [BUILD_DIR [extra cmake args...]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true

packages=(cmake ninja-build ccache g++ libtbb-dev catch2 libfmt-dev libopenblas-dev
          llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
          pkgconf graphviz doxygen  # consumer test (pkg-config); kiln-ir --format=svg|html; docs
          valgrind  # MLIR's parser behind the saved-graph guard (libMLIR is not instrumented)
          libgloo-dev  # kiln::distributed's collectives
          openmpi-bin libopenmpi-dev)  # its MPI backend, and mpirun for its test
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null
fi
