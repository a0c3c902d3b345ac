// Device-side helpers shared by kiln's CUDA kernels: grid-stride loops over an Indexing,
// warp and block reductions. Compiled by nvcc only.
#pragma once

#include <cstdint>

#include "kernels/cuda/kernel_args.h"
#include "runtime/extremes.h"
#include "runtime/integer_math.h"

namespace kiln::kernels::cuda {

/// The dtypes a kernel is instantiated for, with the suffix of its exported name.
#define KILN_CUDA_DTYPES(X) \
  X(f32, float) X(f64, double) X(i32, int32_t) X(i64, int64_t) X(b8, uint8_t)

__device__ inline int64_t first_index() { return blockIdx.x * int64_t(blockDim.x) + threadIdx.x; }
__device__ inline int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }

/// IEEE maximum/minimum (NaN wins, -0 < +0), as in the CPU kernels (runtime/extremes.h).
template <class T>
__device__ inline T pick_max(T a, T b) {
  return extreme<true>(a, b);
}
template <class T>
__device__ inline T pick_min(T a, T b) {
  return extreme<false>(a, b);
}

template <class T, class Op>
__device__ inline T warp_reduce(T v, Op op) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    v = op(v, static_cast<T>(__shfl_xor_sync(0xffffffffu, v, offset)));
  return v;
}

/// Reduces one value per thread of the block; every thread gets the result. `scratch`
/// holds 32 values. The block size is a multiple of 32.
template <class T, class Op>
__device__ inline T block_reduce(T v, Op op, T* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_reduce(v, op);
  __syncthreads();  // scratch may still be read by an earlier reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = scratch[0];
  for (int w = 1; w < warps; ++w) v = op(v, scratch[w]);
  return v;
}

}  // namespace kiln::kernels::cuda
