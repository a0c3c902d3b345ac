// Counter-based random numbers (Philox-4x32-10, Salmon et al. 2011): element i is a pure
// function of (key, i), so results do not depend on threads, chunking or call order.
// Made on the host (kernels/cpu/random.cpp); the binders move them to the run's device.
#pragma once

#include <cstdint>

#include "kiln/tensor.h"

namespace kiln::kernels {

/// Philox's 64-bit key is the seed; the draw's counter fills the upper half of its 128-bit
/// counter (the element index the lower), so each draw of a kiln::Generator is a stream of
/// its own. The stateless ops use counter 0.
struct RandomKey {
  uint64_t seed = 0;
  uint64_t counter = 0;
};

/// The key an i64 (2) tensor holds: (seed, counter), on any device.
RandomKey key_of(const Tensor& key);
/// The key as an i64 (2) CPU tensor.
Tensor key_tensor(RandomKey key);

void random_uniform(const Tensor& out, RandomKey key, double lo, double hi);
void random_normal(const Tensor& out, RandomKey key, double mean, double stddev);
/// Integers in [lo, hi) (lo < hi, both within out's dtype): the high 64 bits of a 64-bit
/// random word times hi - lo (Lemire), biased by at most (hi - lo) / 2^64.
void random_int(const Tensor& out, RandomKey key, int64_t lo, int64_t hi);

}  // namespace kiln::kernels
