// Row-wise composites with their own fused kernels: softmax, log_softmax, layer_norm and
// softmax cross-entropy. Each reads its input a bounded number of times per row while
// the row is cache-resident. Device-neutral: kernels/normalization.cpp works out the row
// geometry and checks labels, then picks kernels/cpu or kernels/cuda.
#pragma once

#include <cstdint>

#include "kiln/tensor.h"

namespace kiln::kernels {

/// axis is normalized.
void softmax(const Tensor& x, int64_t axis, bool log, const Tensor& out);
void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                const Tensor& out);
/// Labels are validated first: one outside [0, C) throws kiln::Error.
void softmax_cross_entropy(const Tensor& logits, const Tensor& labels, const Tensor& out);

}  // namespace kiln::kernels
