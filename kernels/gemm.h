// Matrix products, device-neutral: on the CPU f32/f64 through OpenBLAS, integers and tiny
// products in-house (kernels/cpu/gemm.h); on CUDA cuBLAS.
#pragma once

#include "kiln/tensor.h"

namespace kiln::kernels {

/// out (..., M, N) = a (..., M, K) @ b (..., K, N), batch dims broadcast (validated by the
/// caller's shape rule).
void matmul(const Tensor& a, const Tensor& b, const Tensor& out);

}  // namespace kiln::kernels
