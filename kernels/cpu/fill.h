// The CPU fill kernels (kernels/fill.h has the contracts).
#pragma once

#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

void fill(const Tensor& out, const void* value);
void arange(const Tensor& out, double start, double step);
void eye(const Tensor& out);

}  // namespace kiln::kernels::cpu
