// The device-neutral random entry points: values are made on the host.
#include "kernels/random.h"

#include "kernels/cpu/random.h"

namespace kiln::kernels {

void random_uniform(const Tensor& out, uint64_t seed, double lo, double hi) {
  cpu::random_uniform(out, seed, lo, hi);
}

void random_normal(const Tensor& out, uint64_t seed, double mean, double stddev) {
  cpu::random_normal(out, seed, mean, stddev);
}

}  // namespace kiln::kernels
