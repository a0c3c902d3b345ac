// Matrix products, device-neutral: on the CPU f32/f64 through OpenBLAS, integers and tiny
// products in-house (kernels/cpu/gemm.h); on CUDA cuBLAS.
#pragma once

#include "kiln/tensor.h"

namespace kiln::kernels {

/// out (..., M, N) = a (..., M, K) @ b (..., K, N), batch dims broadcast (validated by the
/// caller's shape rule).
void matmul(const Tensor& a, const Tensor& b, const Tensor& out);

/// Gets the library a product of (M, K) by (K, N) matrices of `dtype` on `device` would run
/// on ready, in the background, and returns at once: a trace records products that run
/// only once it is compiled, and a first product would otherwise pay for loading the
/// library (OpenBLAS: 2-7 ms). Dimensions known only at run time are -1.
void prepare_matmul(Device device, DType dtype, int64_t M, int64_t N, int64_t K);

}  // namespace kiln::kernels
