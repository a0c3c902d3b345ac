#!/usr/bin/env bash
# Installs a built kiln into a temporary prefix and builds and runs the consumer program
# (main.cpp) against it as a user would: with CMake through find_package(kiln) only, and
# with pkg-config only. Checks that no MLIR or LLVM path or definition reaches the user's
# compile line, that the installed tools print the version, and that a version the
# package is not is refused by find_package.
#   test/consumer/run.sh BUILD_DIR MAJOR.MINOR         install BUILD_DIR first
#   test/consumer/run.sh --prefix PREFIX MAJOR.MINOR   kiln is installed there (a package)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ "$1" = --prefix ]; then
  prefix=$2
  version=$3
else
  build=$1
  version=$2
  prefix=$work/prefix
  echo "== cmake --install $build --prefix $prefix"
  cmake --install "$build" --prefix "$prefix" > "$work/install.log"
fi
libkiln=$(find "$prefix/lib" -name 'libkiln.so' | head -1)
[ -n "$libkiln" ] || { echo "FAIL: no libkiln.so under $prefix/lib"; exit 1; }
libdir=$(dirname "$libkiln")

# The installed headers include only the standard library and each other.
if grep -h '#include' "$prefix/include/kiln/"*.h | grep -v -E '#include <[a-z_]+>|#include "kiln/'; then
  echo "FAIL: an installed header includes something besides the standard library and kiln"
  exit 1
fi

echo "== CMake consumer: find_package(kiln $version CONFIG REQUIRED)"
cmake -S "$here" -B "$work/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DKILN_WANTED_VERSION="$version" | grep "kiln "
cmake --build "$work/cmake" > "$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
# The user's compile line: kiln's include folder, the C++20 flag and their own flags only.
flags=$(grep -E '^ *(FLAGS|INCLUDES|DEFINES) =' "$work/cmake/build.ninja" | sort -u)
echo "$flags"
# (LLVM's definitions are -D_GNU_SOURCE and -D__STDC_*_MACROS.)
if echo "$flags" | grep -qiE 'llvm|mlir|tbb|fmt|-D_'; then
  echo "FAIL: MLIR, LLVM, TBB or fmt reach the user's compile line"
  exit 1
fi
"$work/cmake/consumer"

echo "== pkg-config consumer: c++ main.cpp \$(pkg-config --cflags --libs kiln)"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion kiln)" = "$(sed -n 's/#define KILN_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/kiln/version.h")" ] ||
  { echo "FAIL: kiln.pc's version is not the headers'"; exit 1; }
# shellcheck disable=SC2046
c++ -Wall -Wextra -Werror -pedantic "$here/main.cpp" $(pkg-config --cflags --libs kiln) \
  -o "$work/consumer-pc"
LD_LIBRARY_PATH=$libdir "$work/consumer-pc"

echo "== the installed tools"
for tool in kiln-ir kiln-bench kiln-accuracy kiln-cache kiln-opt; do
  out=$("$prefix/bin/$tool" --version)
  echo "$out" | head -1
  echo "$out" | grep -q "(kiln) $version" || { echo "FAIL: $tool --version: $out"; exit 1; }
done

echo "== a version the package is not"
if cmake -S "$here" -B "$work/wrong" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
     -DKILN_WANTED_VERSION=99.0 > "$work/wrong.log" 2>&1; then
  echo "FAIL: find_package(kiln 99.0) succeeded"
  exit 1
fi
grep -q "version: $version" "$work/wrong.log" || { cat "$work/wrong.log"; exit 1; }
echo "consumer tests passed"
