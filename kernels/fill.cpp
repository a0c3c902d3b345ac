// The device-neutral fill entry points: the output's device picks the backend.
#include "kernels/fill.h"

#include "kernels/cpu/fill.h"
#include "kernels/cuda/cuda_kernels.h"

namespace kiln::kernels {

void fill(const Tensor& out, const void* value) {
  if (cuda::on_cuda(out)) return cuda::fill(out, value);
  cpu::fill(out, value);
}

void arange(const Tensor& out, double start, double step) { cpu::arange(out, start, step); }

void eye(const Tensor& out) { cpu::eye(out); }

}  // namespace kiln::kernels
