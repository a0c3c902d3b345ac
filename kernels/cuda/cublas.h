// cuBLAS, found at run time like the driver (dlopen: a machine without the CUDA toolkit's
// libraries still runs kiln), with one handle per device bound to the device's stream.
#pragma once

#include <cstdint>

#include "runtime/cuda_device.h"

namespace kiln::kernels::cuda {

/// Whether f32 products may use TF32 tensor cores (10-bit mantissa products, ~1e-3
/// relative error, several times faster). Off unless the user opts in with
/// kiln::set_allow_tf32(true) or KILN_ALLOW_TF32=1, as PyTorch's allow_tf32 is off.
bool allow_tf32();
void set_allow_tf32(bool allow);

/// Row-major batched product on `device`'s stream: for z in [0, batch),
/// c[z] (M, N) = a[z] (M, K) @ b[z] (K, N), with a[z] = a + z * a_stride (elements; 0
/// broadcasts). T is float or double.
template <class T>
void gemm_strided_batched(runtime::CudaDevice& device, int64_t batch, int64_t M, int64_t N,
                          int64_t K, const T* a, int64_t a_stride, const T* b, int64_t b_stride,
                          T* c);

}  // namespace kiln::kernels::cuda
