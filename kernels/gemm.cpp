// The device-neutral matrix product: the output's device picks the backend.
#include "kernels/gemm.h"

#include "kernels/cpu/gemm.h"
#include "kernels/cuda/cuda_kernels.h"

namespace kiln::kernels {

void matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  if (cuda::on_cuda(out)) return cuda::matmul(a, b, out);
  cpu::matmul(a, b, out);
}

}  // namespace kiln::kernels
