// Reductions over a set of axes, argmax/argmin and cumsum along one, device-neutral: kernels/reduce.cpp
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
/// The first index of the largest (`largest`) or smallest value along `axis` (NaN counts
/// as both: the first NaN wins, as NumPy's).
void arg_extreme(const Tensor& x, int64_t axis, bool largest, const Tensor& out);
/// Running sums along `axis` (from its end when `reverse`), in x's dtype, added in order
/// (integers wrap): out[.., i, ..] = x[.., 0, ..] + ... + x[.., i, ..].
void cumsum(const Tensor& x, int64_t axis, bool reverse, const Tensor& out);

}  // namespace kiln::kernels
