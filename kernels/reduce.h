// Reductions over a set of axes, and argmax over one, device-neutral: kernels/reduce.cpp
// views the input as (outer, reduced, inner) and picks kernels/cpu or kernels/cuda.
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

}  // namespace kiln::kernels
