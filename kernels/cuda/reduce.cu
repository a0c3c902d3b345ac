// Reductions, argmax and the row composites (softmax, log_softmax, layer_norm, softmax
// cross-entropy) for CUDA tensors. A tensor is seen as (outer, reduced, inner): with
// inner == 1 one thread block reduces each row (threads stride the row, then a block
// reduction); otherwise one thread per (outer, inner) position walks its column, which
// reads memory coalesced across the threads of a warp. Floating sums accumulate in f64,
// integer sums in their own width (booleans in i64), as the CPU kernels do.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/cuda/device_common.cuh"
#include "runtime/integer_math.h"

namespace kiln::kernels::cuda {
namespace {

enum ReduceCode : int { kSum, kMean, kMax, kMin };

template <class T>
using SumAcc = std::conditional_t<std::is_floating_point_v<T>, double,
                                  std::conditional_t<std::is_same_v<T, uint8_t>, int64_t, T>>;

struct AddOp {
  template <class T>
  __device__ T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return wrap_add(a, b);
    else
      return a + b;
  }
};
struct MaxOp {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return pick_max(a, b);
  }
};
struct MinOp {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return pick_min(a, b);
  }
};

template <class T>
__device__ T finish(int op, SumAcc<T> s, int64_t count) {
  if (op == kMean) {
    if constexpr (std::is_floating_point_v<T>)
      return static_cast<T>(s / static_cast<double>(count));
    else
      return static_cast<T>(s / static_cast<SumAcc<T>>(count));
  }
  return static_cast<T>(s);
}

/// One block per output row of `reduced` contiguous elements (inner == 1).
template <class T>
__device__ void reduce_rows(int op, RowGeometry g, T* out, const T* x) {
  __shared__ SumAcc<T> sum_scratch[32];
  __shared__ T extreme_scratch[32];
  for (int64_t row = blockIdx.x; row < g.outer; row += gridDim.x) {
    const T* p = x + row * g.reduced;
    if (op == kSum || op == kMean) {
      SumAcc<T> s = 0;
      for (int64_t r = threadIdx.x; r < g.reduced; r += blockDim.x) s = AddOp{}(s, SumAcc<T>(p[r]));
      s = block_reduce(s, AddOp{}, sum_scratch);
      if (threadIdx.x == 0) out[row] = finish<T>(op, s, g.reduced);
    } else {
      // The caller refused reductions of nothing for max/min.
      T m = p[0];
      for (int64_t r = threadIdx.x; r < g.reduced; r += blockDim.x)
        m = op == kMax ? pick_max(m, p[r]) : pick_min(m, p[r]);
      m = op == kMax ? block_reduce(m, MaxOp{}, extreme_scratch)
                     : block_reduce(m, MinOp{}, extreme_scratch);
      if (threadIdx.x == 0) out[row] = m;
    }
  }
}

/// One thread per (outer, inner) output (inner > 1).
template <class T>
__device__ void reduce_columns(int op, RowGeometry g, T* out, const T* x) {
  const int64_t n = g.outer * g.inner;
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    const int64_t o = i / g.inner, j = i % g.inner;
    const T* p = x + o * g.reduced * g.inner + j;
    if (op == kSum || op == kMean) {
      SumAcc<T> s = 0;
      for (int64_t r = 0; r < g.reduced; ++r) s = AddOp{}(s, SumAcc<T>(p[r * g.inner]));
      out[i] = finish<T>(op, s, g.reduced);
    } else {
      T m = p[0];
      for (int64_t r = 1; r < g.reduced; ++r)
        m = op == kMax ? pick_max(m, p[r * g.inner]) : pick_min(m, p[r * g.inner]);
      out[i] = m;
    }
  }
}

/// The first index of the largest (smallest unless `largest`) value along the middle axis
/// (the first NaN if any).
template <class T>
__device__ void arg_extreme(RowGeometry g, int largest, int64_t* out, const T* x) {
  const int64_t n = g.outer * g.inner;
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    const int64_t o = i / g.inner, j = i % g.inner;
    const T* p = x + o * g.reduced * g.inner + j;
    T best = p[0];
    int64_t at = 0;
    for (int64_t r = 1; r < g.reduced && best == best; ++r) {
      const T v = p[r * g.inner];
      if ((largest ? v > best : v < best) || v != v) {
        best = v;
        at = r;
      }
    }
    out[i] = at;
  }
}

/// Running sums along the middle axis, one thread per (outer, inner) lane, in order (as
/// the CPU kernel: the same roundings).
template <class T>
__device__ void cumsum(RowGeometry g, int reverse, T* out, const T* x) {
  const int64_t n = g.outer * g.inner;
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    const int64_t o = i / g.inner, j = i % g.inner;
    const int64_t base = o * g.reduced * g.inner + j;
    T acc = T(0);
    for (int64_t step = 0; step < g.reduced; ++step) {
      const int64_t r = reverse ? g.reduced - 1 - step : step;
      const T v = x[base + r * g.inner];
      acc = step == 0 ? v : kiln::wrap_add(acc, v);
      out[base + r * g.inner] = acc;
    }
  }
}

/// max of a row, then the shift that keeps exp finite (0 for a row whose max is infinite).
template <class T>
__device__ T row_shift(const T* p, int64_t n, T* scratch) {
  T m = -INFINITY;
  for (int64_t r = threadIdx.x; r < n; r += blockDim.x) m = pick_max(m, p[r]);
  m = block_reduce(m, MaxOp{}, scratch);
  return isfinite(m) ? m : T(0);
}

template <class T>
__device__ void softmax_rows(RowGeometry g, int log_softmax, T* out, const T* x) {
  __shared__ T scratch[32];
  __shared__ double sum_scratch[32];
  for (int64_t row = blockIdx.x; row < g.outer; row += gridDim.x) {
    const T* p = x + row * g.reduced;
    T* o = out + row * g.reduced;
    const T shift = row_shift(p, g.reduced, scratch);
    double s = 0;
    for (int64_t r = threadIdx.x; r < g.reduced; r += blockDim.x) s += exp(p[r] - shift);
    s = block_reduce(s, AddOp{}, sum_scratch);
    if (log_softmax) {  // (x - shift) - log s: rounded to the result's precision, not shift's
      const T log_s = T(log(s));
      for (int64_t r = threadIdx.x; r < g.reduced; r += blockDim.x) o[r] = (p[r] - shift) - log_s;
    } else {
      const T inv = T(1) / T(s);
      for (int64_t r = threadIdx.x; r < g.reduced; r += blockDim.x) o[r] = exp(p[r] - shift) * inv;
    }
  }
}

template <class T>
__device__ void softmax_columns(RowGeometry g, int log_softmax, T* out, const T* x) {
  const int64_t n = g.outer * g.inner;
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    const int64_t base = (i / g.inner) * g.reduced * g.inner + i % g.inner;
    const T* p = x + base;
    T* o = out + base;
    T m = p[0];
    for (int64_t r = 1; r < g.reduced; ++r) m = pick_max(m, p[r * g.inner]);
    const T shift = isfinite(m) ? m : T(0);
    double s = 0;
    for (int64_t r = 0; r < g.reduced; ++r) s += exp(p[r * g.inner] - shift);
    const T k = log_softmax ? T(log(s)) : T(1) / T(s);
    for (int64_t r = 0; r < g.reduced; ++r)
      o[r * g.inner] = log_softmax ? (p[r * g.inner] - shift) - k : exp(p[r * g.inner] - shift) * k;
  }
}

/// Over the last axis (reduced): centered two-pass variance, as on the CPU.
template <class T>
__device__ void layer_norm(RowGeometry g, double eps, T* out, const T* x, const T* gamma,
                           const T* beta) {
  __shared__ double scratch[32];
  const int64_t D = g.reduced;
  for (int64_t row = blockIdx.x; row < g.outer; row += gridDim.x) {
    const T* p = x + row * D;
    T* o = out + row * D;
    double s = 0;
    for (int64_t r = threadIdx.x; r < D; r += blockDim.x) s += p[r];
    const T mean = T(block_reduce(s, AddOp{}, scratch) / double(D));
    double v = 0;
    for (int64_t r = threadIdx.x; r < D; r += blockDim.x) {
      const T c = p[r] - mean;
      v += double(c * c);
    }
    const double var = block_reduce(v, AddOp{}, scratch) / double(D);
    const T rstd = T(1.0 / sqrt(var + eps));
    for (int64_t r = threadIdx.x; r < D; r += blockDim.x)
      o[r] = (p[r] - mean) * rstd * gamma[r] + beta[r];
  }
}

/// out[row] = logsumexp(logits[row]) - logits[row][label[row]]; labels checked on the host.
template <class T>
__device__ void softmax_cross_entropy(RowGeometry g, T* out, const T* logits,
                                      const int64_t* labels) {
  __shared__ T scratch[32];
  __shared__ double sum_scratch[32];
  for (int64_t row = blockIdx.x; row < g.outer; row += gridDim.x) {
    const T* p = logits + row * g.reduced;
    const T shift = row_shift(p, g.reduced, scratch);
    double s = 0;
    for (int64_t r = threadIdx.x; r < g.reduced; r += blockDim.x) s += exp(p[r] - shift);
    s = block_reduce(s, AddOp{}, sum_scratch);
    if (threadIdx.x == 0) out[row] = T(log(s) - double(p[labels[row]] - shift));
  }
}

}  // namespace
}  // namespace kiln::kernels::cuda

using namespace kiln::kernels::cuda;

#define KILN_REDUCE(suffix, T)                                                               \
  extern "C" __global__ void kiln_reduce_rows_##suffix(int op, RowGeometry g, T* out,        \
                                                       const T* x) {                         \
    reduce_rows<T>(op, g, out, x);                                                           \
  }                                                                                          \
  extern "C" __global__ void kiln_reduce_columns_##suffix(int op, RowGeometry g, T* out,     \
                                                          const T* x) {                      \
    reduce_columns<T>(op, g, out, x);                                                        \
  }                                                                                          \
  extern "C" __global__ void kiln_arg_extreme_##suffix(RowGeometry g, int largest,            \
                                                       int64_t* out, const T* x) {           \
    arg_extreme<T>(g, largest, out, x);                                                      \
  }                                                                                          \
  extern "C" __global__ void kiln_cumsum_##suffix(RowGeometry g, int reverse, T* out,        \
                                                  const T* x) {                              \
    cumsum<T>(g, reverse, out, x);                                                           \
  }
KILN_CUDA_DTYPES(KILN_REDUCE)

#define KILN_ROWS(suffix, T)                                                                       \
  extern "C" __global__ void kiln_softmax_rows_##suffix(RowGeometry g, int log_softmax, T* out,    \
                                                        const T* x) {                              \
    softmax_rows<T>(g, log_softmax, out, x);                                                       \
  }                                                                                                \
  extern "C" __global__ void kiln_softmax_columns_##suffix(RowGeometry g, int log_softmax, T* out, \
                                                           const T* x) {                           \
    softmax_columns<T>(g, log_softmax, out, x);                                                    \
  }                                                                                                \
  extern "C" __global__ void kiln_layer_norm_##suffix(RowGeometry g, double eps, T* out,           \
                                                      const T* x, const T* gamma, const T* beta) { \
    layer_norm<T>(g, eps, out, x, gamma, beta);                                                    \
  }                                                                                                \
  extern "C" __global__ void kiln_softmax_cross_entropy_##suffix(                                  \
      RowGeometry g, T* out, const T* logits, const int64_t* labels) {                             \
    softmax_cross_entropy<T>(g, out, logits, labels);                                              \
  }
KILN_ROWS(f32, float)
KILN_ROWS(f64, double)
