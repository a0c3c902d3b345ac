#!/usr/bin/env bash
# Builds the GPU check's bundle: kiln's GPU tests (kiln_gpu_tests) and kiln-bench linked with
# static MLIR and LLVM, with every shared library they load (glibc and its loader included),
# stripped and compressed into one file, for a GPU machine that has the CUDA driver and
# toolkit but no LLVM, no OpenBLAS and no network. There,
#   scripts/gpu-check.sh --bundle FILE
# unpacks it and runs the check without building (the binaries start through the bundle's
# own loader, so the machine's glibc does not matter; libcuda and the CUDA libraries are the
# machine's).
#
#   scripts/gpu-bundle.sh [FILE]     default: bundle/kiln-gpu.tar.xz (ignored by git)
#
# The build goes to build-static/ (KILN_STATIC_LLVM=ON); objects come from the compile cache
# of the normal build, so only the links are new.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bundle/kiln-gpu.tar.xz}
[[ $out = /* ]] || out="$PWD/$out"
build="$root/build-static"
jobs=${KILN_JOBS:-$(nproc 2>/dev/null || echo 2)}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

"$root/scripts/setup.sh" "$build" -DKILN_STATIC_LLVM=ON
cmake --build "$build" -j "$jobs" --target kiln_gpu_tests kiln-bench

stage=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bundle.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/kiln/bin" "$stage/kiln/lib"
binaries=("$build/test/kiln_gpu_tests" "$build/tools/kiln-bench")
for b in "${binaries[@]}"; do
  if ldd "$b" | grep -q "libLLVM\|libMLIR"; then
    echo "gpu-bundle: $b links the shared LLVM or MLIR (the build is not static)" >&2
    exit 1
  fi
  strip -o "$stage/kiln/bin/$(basename "$b")" "$b"
done

# Every library the binaries load, the loader and glibc's compatibility stubs (libcuda,
# loaded at run time, links them).
libs=$(for b in "${binaries[@]}"; do ldd "$b"; done | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' |
  grep "^/" | sort -u)
# OpenBLAS is loaded at run time (kernels/cpu/openblas.h): it and what it links.
openblas=$(ldconfig -p | awk '/libopenblas\.so\.0 / { print $NF; exit }')
[ -n "$openblas" ] || { echo "gpu-bundle: libopenblas.so.0 not found" >&2; exit 1; }
libs+=$'\n'"$openblas"$'\n'$(ldd "$openblas" | awk '/=>/ { print $3 }' | grep "^/")
libc_dir=$(dirname "$(ldd "${binaries[0]}" | awk '/libc.so.6/ { print $3 }')")
for extra in libdl.so.2 libpthread.so.0 librt.so.1 libutil.so.1 libresolv.so.2; do
  [ -e "$libc_dir/$extra" ] && libs+=$'\n'"$libc_dir/$extra"
done
for l in $libs; do
  cp -L "$l" "$stage/kiln/lib/$(basename "$l")"
done
strip --strip-unneeded "$stage"/kiln/lib/*.so* 2>/dev/null || true
loader=$(basename "$(ldd "${binaries[0]}" | awk '/ld-linux/ { print $1 }')")

cat >"$stage/kiln/run" <<EOF
#!/bin/sh
# Runs one of the bundle's programs through the bundle's own loader and libraries:
#   kiln/run PROGRAM [ARGS...]
here=\$(cd "\$(dirname "\$0")" && pwd)
program=\$1
shift
exec "\$here/lib/$loader" --library-path "\$here/lib" "\$here/bin/\$program" "\$@"
EOF
chmod +x "$stage/kiln/run"
git -C "$root" rev-parse --short HEAD >"$stage/kiln/commit" 2>/dev/null || echo unknown >"$stage/kiln/commit"

mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf - kiln | xz -T0 -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "gpu-bundle: $out ($(du -h "$out" | cut -f1); unpacked $(du -sh "$stage/kiln" | cut -f1)), commit $(cat "$stage/kiln/commit")"
