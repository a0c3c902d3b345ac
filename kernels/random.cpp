// The device-neutral random entry points: values are made on the host.
#include "kernels/random.h"

#include "kernels/cpu/random.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels {

RandomKey key_of(const Tensor& key) {
  const Tensor host = key.device().kind == Device::cpu ? key : key.to(Device{});
  const int64_t* k = detail::data<int64_t>(host);
  return {static_cast<uint64_t>(k[0]), static_cast<uint64_t>(k[1])};
}

Tensor key_tensor(RandomKey key) {
  return Tensor::from<int64_t>(
      {static_cast<int64_t>(key.seed), static_cast<int64_t>(key.counter)}, {2});
}

void random_uniform(const Tensor& out, RandomKey key, double lo, double hi) {
  cpu::random_uniform(out, key, lo, hi);
}

void random_normal(const Tensor& out, RandomKey key, double mean, double stddev) {
  cpu::random_normal(out, key, mean, stddev);
}

void random_int(const Tensor& out, RandomKey key, int64_t lo, int64_t hi) {
  cpu::random_int(out, key, lo, hi);
}

}  // namespace kiln::kernels
