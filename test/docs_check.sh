#!/usr/bin/env bash
# ctest docs.reference: the API reference builds without a Doxygen warning (every public
# name in kiln/*.h documented), its pages cover every public header and class, and the
# gate works: the same configuration with one undocumented public function added fails,
# naming it.
#   test/docs_check.sh DOXYGEN DOXYFILE
set -euo pipefail
doxygen=$1
doxyfile=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {  # run OUT_DIR [extra config lines...]: doxygen's status; its warnings in OUT_DIR/warnings.log
  local out=$1
  shift
  mkdir -p "$out"
  { cat "$doxyfile"; echo "OUTPUT_DIRECTORY = $out"; echo "WARN_LOGFILE = $out/warnings.log"
    printf '%s\n' "$@"; } | "$doxygen" - > "$out/stdout.log" 2>&1
}

if ! run "$tmp/ref"; then
  echo "docs: doxygen failed on the public headers:" >&2
  cat "$tmp/ref/warnings.log" "$tmp/ref/stdout.log" >&2
  exit 1
fi
if [ -s "$tmp/ref/warnings.log" ]; then
  echo "docs: doxygen warned:" >&2
  cat "$tmp/ref/warnings.log" >&2
  exit 1
fi
html="$tmp/ref/html"
for page in index.html classkiln_1_1Tensor.html classkiln_1_1Function.html \
            classkiln_1_1GradientTape.html classkiln_1_1Profiler.html namespacekiln.html; do
  [ -s "$html/$page" ] || { echo "docs: $page is missing" >&2; exit 1; }
done
# Every public header has its page (Doxygen names a file's page <name>_8h.html).
headers_dir=$(sed -n 's/^INPUT *= *\([^ ]*\).*/\1/p' "$doxyfile")
for header in "$headers_dir"/*.h; do
  name=$(basename "$header" .h)
  name=${name//_/__}  # Doxygen doubles underscores in file names
  [ -s "$html/${name}_8h.html" ] || { echo "docs: no page for kiln/$name.h" >&2; exit 1; }
done
# The reference documents the ops users call most, with their text.
grep -q "with NumPy broadcasting" "$html/namespacekiln.html" ||
  { echo "docs: the binary ops' documentation is missing from namespace kiln's page" >&2; exit 1; }

# The gate: an undocumented public function must fail the build of the reference.
mkdir -p "$tmp/probe"
cat > "$tmp/probe/probe.h" <<'HEADER'
/// \file
/// A header with one undocumented public function.
#pragma once
namespace kiln {
int docs_probe_undocumented(int x);
}  // namespace kiln
HEADER
if run "$tmp/probe_out" "INPUT += $tmp/probe/probe.h"; then
  echo "docs: an undocumented public function did not fail the reference build" >&2
  exit 1
fi
grep -q "docs_probe_undocumented" "$tmp/probe_out/warnings.log" ||
  { echo "docs: the failure does not name the undocumented function:" >&2
    cat "$tmp/probe_out/warnings.log" >&2; exit 1; }
echo "docs: reference built without warnings ($(ls "$html" | wc -l) files); the gate refuses an undocumented name"
