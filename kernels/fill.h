// Factories' kernels, device-neutral: constant fill (any device), ranges and identity
// (made on the host: their API has no device).
#pragma once

#include "kiln/tensor.h"

namespace kiln::kernels {

/// Fills out with one value given in out's dtype (`value` points at one element).
void fill(const Tensor& out, const void* value);
/// out[i] = start + i * step, computed in f64 and converted.
void arange(const Tensor& out, double start, double step);
void eye(const Tensor& out);

}  // namespace kiln::kernels
