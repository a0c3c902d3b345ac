// The CPU random kernels (kernels/random.h has the contracts).
#pragma once

#include <cstdint>

#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

void random_uniform(const Tensor& out, uint64_t seed, double lo, double hi);
void random_normal(const Tensor& out, uint64_t seed, double mean, double stddev);

}  // namespace kiln::kernels::cpu
