// The CPU reductions (kernels/reduce.h has the contracts; the geometry comes from its
// entry points).
#pragma once

#include "kernels/reduce.h"
#include "kernels/row_geometry.h"

namespace kiln::kernels::cpu {

/// x viewed as g: out[o, i] = op over r of x[o, r, i].
void reduce(ReduceOp op, const Tensor& x, RowGeometry g, const Tensor& out);
/// x viewed as g: out[o, i] = the first r where x[o, r, i] is largest (smallest unless
/// `largest`); a NaN counts as both.
void arg_extreme(const Tensor& x, RowGeometry g, bool largest, const Tensor& out);
/// x viewed as g: out[o, r, i] = x[o, 0, i] + ... + x[o, r, i] (r counted from the end
/// when `reverse`).
void cumsum(const Tensor& x, RowGeometry g, bool reverse, const Tensor& out);

}  // namespace kiln::kernels::cpu
