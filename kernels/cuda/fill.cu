// Fill with one value (zeros, ones, full on a device) and the integer matrix product
// cuBLAS does not offer (f32/f64 go to cuBLAS).
#include <cstdint>

#include "kernels/cuda/device_common.cuh"

namespace kiln::kernels::cuda {
namespace {

template <class T>
__device__ void fill(int64_t n, T* out, T value) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = value;
}

/// out (batch, M, N) = a (batch, M, K) @ b (batch, K, N), wrapping; a batch stride of 0
/// broadcasts an operand.
template <class T>
__device__ void matmul(int64_t batch, int64_t M, int64_t N, int64_t K, int64_t a_batch_stride,
                       int64_t b_batch_stride, T* out, const T* a, const T* b) {
  for (int64_t i = first_index(); i < batch * M * N; i += grid_stride()) {
    const int64_t n = i % N, m = (i / N) % M, z = i / (M * N);
    const T* pa = a + z * a_batch_stride + m * K;
    const T* pb = b + z * b_batch_stride + n;
    T s = 0;
    for (int64_t k = 0; k < K; ++k) s = wrap_add(s, wrap_mul(pa[k], pb[k * N]));
    out[i] = s;
  }
}

}  // namespace
}  // namespace kiln::kernels::cuda

using namespace kiln::kernels::cuda;

#define KILN_FILL(suffix, T)                                                  \
  extern "C" __global__ void kiln_fill_##suffix(int64_t n, T* out, T value) { \
    fill<T>(n, out, value);                                                   \
  }
KILN_CUDA_DTYPES(KILN_FILL)

#define KILN_INT_MATMUL(suffix, T)                                                                \
  extern "C" __global__ void kiln_matmul_##suffix(int64_t batch, int64_t M, int64_t N, int64_t K, \
                                                  int64_t a_batch_stride, int64_t b_batch_stride, \
                                                  T* out, const T* a, const T* b) {               \
    matmul<T>(batch, M, N, K, a_batch_stride, b_batch_stride, out, a, b);                         \
  }
KILN_INT_MATMUL(i32, int32_t)
KILN_INT_MATMUL(i64, int64_t)
