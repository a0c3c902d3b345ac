// Factories' kernels: constant fill, ranges, identity.
#pragma once

#include "kiln/tensor.h"

namespace kiln::kernels {

/// Fills out with one value given in out's dtype (`value` points at one element).
void fill(const Tensor& out, const void* value);
/// out[i] = start + i * step, computed in f64 and converted.
void arange(const Tensor& out, double start, double step);
void eye(const Tensor& out);

}  // namespace kiln::kernels
