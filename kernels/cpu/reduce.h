// Reductions over a set of axes, and argmax over one.
#pragma once

#include <cstdint>
#include <vector>

#include "kiln/tensor.h"
#include "runtime/shape_rules.h"

namespace kiln::kernels {

using ReduceOp = rules::ReduceKind;

/// `axes` normalized (sorted, unique); out has the reduced shape (keepdims or not: the
/// layout is the same). The caller has refused what has no result (max of nothing).
void reduce(ReduceOp op, const Tensor& x, const std::vector<int64_t>& axes, const Tensor& out);
void argmax(const Tensor& x, int64_t axis, const Tensor& out);

/// x viewed as (outer, reduced, inner) around one contiguous block of axes.
struct ReduceGeometry {
  int64_t outer = 1, reduced = 1, inner = 1;
};

}  // namespace kiln::kernels
