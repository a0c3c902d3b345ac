// The CPU random kernels (kernels/random.h has the contracts).
#pragma once

#include <cstdint>

#include "kernels/random.h"
#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

void random_uniform(const Tensor& out, RandomKey key, double lo, double hi);
void random_normal(const Tensor& out, RandomKey key, double mean, double stddev);
void random_int(const Tensor& out, RandomKey key, int64_t lo, int64_t hi);

}  // namespace kiln::kernels::cpu
