// Counter-based random numbers (Philox-4x32-10, Salmon et al. 2011): element i is a pure
// function of (seed, i), so results do not depend on threads, chunking or call order.
// Made on the host (kernels/cpu/random.cpp): the random ops' API has no device.
#pragma once

#include <cstdint>

#include "kiln/tensor.h"

namespace kiln::kernels {

void random_uniform(const Tensor& out, uint64_t seed, double lo, double hi);
void random_normal(const Tensor& out, uint64_t seed, double mean, double stddev);

}  // namespace kiln::kernels
