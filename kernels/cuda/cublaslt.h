// cuBLASLt, found at run time like cuBLAS: a product and its bias (+ ReLU) epilogue in
// one call, what an output fusion of that shape becomes on a CUDA device (W7's
// relu(x @ w + b)) instead of a GEMM followed by an epilogue kernel.
#pragma once

#include <cstdint>

#include "kiln/dtype.h"
#include "runtime/cuda_device.h"

namespace kiln::kernels::cuda {

/// Row-major out (M, N) = [relu](a (M, K) @ b (K, N) + bias (N)), f32 or f64, queued on
/// `device`'s stream. Returns false, having done nothing, where cuBLASLt is missing or
/// offers no algorithm for the problem (the caller then runs the product and its
/// epilogue separately); throws kiln::Error when a call that was set up fails.
bool matmul_bias(runtime::CudaDevice& device, DType dtype, int64_t M, int64_t N, int64_t K,
                 const void* a, const void* b, const void* bias, bool relu, void* out);

}  // namespace kiln::kernels::cuda
