// The CPU row-wise composites (kernels/normalization.h has the contracts; the geometry and
// the labels come checked from its entry points).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/row_geometry.h"
#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

/// x seen as (outer, reduced = the softmax axis, inner); x is not empty.
void softmax(const Tensor& x, RowGeometry g, bool log, const Tensor& out);
/// x is not empty.
void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                const Tensor& out);
/// One label per row, each in [0, C).
void softmax_cross_entropy(const Tensor& logits, const std::vector<int64_t>& labels,
                           const Tensor& out);

}  // namespace kiln::kernels::cpu
