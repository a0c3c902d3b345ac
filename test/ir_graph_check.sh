#!/usr/bin/env bash
# The SVG of a graph names every op of its IR: for every kiln-ir model at the traced and
# fused stages (and the lowered stage of the small ones: a loop kernel of thousands of
# scalar ops takes dot minutes to lay out), each op name in the MLIR text (an operation's
# name, where a statement begins) appears in kiln-ir --format=svg. Skipped (77) without
# Graphviz.
#   test/ir_graph_check.sh KILN_IR
set -euo pipefail
kiln_ir=$1
command -v dot >/dev/null || { echo "skipped: Graphviz's dot is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-graph.XXXXXX")
trap 'rm -rf "$work"' EXIT
checked=0
for model in $("$kiln_ir" --list | cut -d' ' -f1); do
  stages="traced fused"
  case $model in gelu_chain | w2_gelu | w6_matmul | w7_dense | cond) stages="$stages lowered" ;; esac
  for stage in $stages; do
    "$kiln_ir" --model="$model" --stage="$stage" > "$work/ir.mlir"
    "$kiln_ir" --model="$model" --stage="$stage" --format=svg > "$work/graph.svg"
    grep -q '</svg>' "$work/graph.svg" || { echo "FAIL: $model $stage: no whole SVG"; exit 1; }
    # Op names: "%x = dialect.op", "dialect.op ...", generic "\"dialect.op\"(...)".
    sed -nE 's/^ *(%[^=]*= )?"?([a-z_]+\.[a-z0-9_.]+).*/\2/p' "$work/ir.mlir" | sort -u > "$work/ops"
    [ -s "$work/ops" ] || { echo "FAIL: $model $stage: no ops found in the IR"; exit 1; }
    while read -r op; do
      grep -qF "$op" "$work/graph.svg" || { echo "FAIL: $model $stage: $op is not in the SVG"; exit 1; }
      checked=$((checked + 1))
    done < "$work/ops"
  done
done
echo "every op named: $checked (model, stage, op) triples"
