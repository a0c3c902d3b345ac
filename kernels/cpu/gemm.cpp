#include "kernels/cpu/gemm.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/openblas.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cpu {
namespace {

// Below this many multiply-adds a BLAS call costs more than it saves (and parallel
// batches of small products are spread over kiln's threads instead).
constexpr int64_t kSmallGemm = 32 * 32 * 32;

/// c = a @ b for row-major a (M,K), b (K,N); i-k-j order so the inner loop vectorizes.
template <class T>
void small_gemm(const T* a, const T* b, T* c, int64_t M, int64_t N, int64_t K) {
  for (int64_t i = 0; i < M; ++i) {
    T* ci = c + i * N;
    std::fill(ci, ci + N, T(0));
    for (int64_t k = 0; k < K; ++k) {
      const T aik = a[i * K + k];
      const T* bk = b + k * N;
      if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;  // wrap on overflow like the other integer ops
        for (int64_t j = 0; j < N; ++j)
          ci[j] =
              static_cast<T>(static_cast<U>(ci[j]) + static_cast<U>(aik) * static_cast<U>(bk[j]));
      } else {
        for (int64_t j = 0; j < N; ++j) ci[j] += aik * bk[j];
      }
    }
  }
}

/// A float operand as BLAS reads it: row-major with leading dimension `ld`, transposed
/// (element (r, c) at [c * ld + r]) or not ([r * ld + c]).
template <class T>
struct Operand {
  const T* p;
  int64_t ld;
  bool trans;
  T at(int64_t r, int64_t c) const { return trans ? p[c * ld + r] : p[r * ld + c]; }
};

/// OpenBLAS sizes its pool from the environment; match kiln's threads once, before the
/// first product it runs (set_blas_threads keeps them matched afterwards). Not before: a
/// process whose products are all small or integer needs no OpenBLAS.
std::mutex blas_threads_mutex;
std::atomic<bool> blas_threads_matched{false};

void match_blas_threads() {
  if (blas_threads_matched.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(blas_threads_mutex);
  if (blas_threads_matched.load(std::memory_order_relaxed)) return;
  openblas().set_num_threads(runtime::num_threads());
  blas_threads_matched.store(true, std::memory_order_release);
}

/// c (M, N, row-major) = op(a) (M, K) @ op(b) (K, N), f32 or f64.
template <class T>
void gemm(Operand<T> a, Operand<T> b, T* c, int64_t M, int64_t N, int64_t K) {
  if (M * N * K > kSmallGemm) {
    match_blas_threads();
    const auto ta = a.trans ? CblasTrans : CblasNoTrans, tb = b.trans ? CblasTrans : CblasNoTrans;
    if constexpr (std::is_same_v<T, float>)
      return openblas().sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, a.p, a.ld, b.p, b.ld, 0.0f, c,
                              N);
    else
      return openblas().dgemm(CblasRowMajor, ta, tb, M, N, K, 1.0, a.p, a.ld, b.p, b.ld, 0.0, c, N);
  }
  if (!a.trans && !b.trans && a.ld == K && b.ld == N) return small_gemm(a.p, b.p, c, M, N, K);
  for (int64_t i = 0; i < M; ++i) {  // a transposed operand: small, so plainly
    T* ci = c + i * N;
    std::fill(ci, ci + N, T(0));
    for (int64_t k = 0; k < K; ++k) {
      const T aik = a.at(i, k);
      for (int64_t j = 0; j < N; ++j) ci[j] += aik * b.at(k, j);
    }
  }
}

template <class T>
void gemm(const T* a, const T* b, T* c, int64_t M, int64_t N, int64_t K) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
    return gemm<T>(Operand<T>{a, K, false}, Operand<T>{b, N, false}, c, M, N, K);
  small_gemm(a, b, c, M, N, K);
}

}  // namespace

void set_blas_threads(int threads) {
  std::lock_guard<std::mutex> lock(blas_threads_mutex);
  if (blas_threads_matched.load(std::memory_order_relaxed)) openblas().set_num_threads(threads);
}

void matmul_rows(const Tensor& a, const Tensor& b, const Tensor& out, int64_t begin, int64_t end,
                 bool transpose_a, bool transpose_b) {
  const int64_t M = out.shape()[0], N = out.shape()[1];
  const int64_t K = transpose_a ? a.shape()[0] : a.shape()[1];
  if (end <= begin || N == 0) return;
  auto rows = [&]<class T>() {
    T* po = detail::mutable_data<T>(out) + begin * N;
    if (K == 0) {
      std::fill(po, po + (end - begin) * N, T(0));
      return;
    }
    // Rows [begin, end) of op(a): rows of a, or columns of a stored (K, M).
    const T* pa = detail::data<T>(a) + (transpose_a ? begin : begin * K);
    gemm<T>(Operand<T>{pa, transpose_a ? M : K, transpose_a},
            Operand<T>{detail::data<T>(b), transpose_b ? K : N, transpose_b}, po, end - begin, N,
            K);
  };
  if (a.dtype() == DType::f32)
    rows.operator()<float>();
  else
    rows.operator()<double>();
}

void matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const Shape& so = out.shape();
  const int64_t M = sa[sa.size() - 2], K = sa.back(), N = sb.back();
  Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2),
      batch_o(so.begin(), so.end() - 2);
  const int64_t batches = numel_of(batch_o);
  if (batches == 0 || M == 0 || N == 0) return;
  // Matrix offsets of each batch entry, through the broadcast plan of the batch dims.
  std::vector<std::array<int64_t, 2>> offsets(batches);
  auto plan = make_broadcast_plan<2>(batch_o, {&batch_a, &batch_b});
  {
    // Serial walk: batches are few compared with the work per batch.
    for (int64_t p = 0; p < batches; ++p) {
      int64_t row = p / plan.inner, col = p % plan.inner;
      int64_t r = row, oa = 0, ob = 0;
      for (size_t d = plan.outer.size(); d-- > 0;) {
        int64_t i = r % plan.outer[d];
        r /= plan.outer[d];
        oa += i * plan.stride[0][d];
        ob += i * plan.stride[1][d];
      }
      offsets[p] = {oa + col * plan.inner_stride[0], ob + col * plan.inner_stride[1]};
    }
  }
  dispatch_dtype(a.dtype(), [&]<class T>() {
    if constexpr (!std::is_same_v<T, uint8_t>) {
      const T* pa = detail::data<T>(a);
      const T* pb = detail::data<T>(b);
      T* po = detail::mutable_data<T>(out);
      if (K == 0) {
        std::fill(po, po + out.numel(), T(0));
        return;
      }
      auto one = [&](int64_t p) {
        gemm<T>(pa + offsets[p][0] * M * K, pb + offsets[p][1] * K * N, po + p * M * N, M, N, K);
      };
      if (batches > 1 && M * N * K <= kSmallGemm) {
        runtime::parallel_for(batches, std::max<int64_t>(1, kSmallGemm / (M * N * K + 1)),
                              [&](int64_t b0, int64_t e0) {
                                for (int64_t p = b0; p < e0; ++p) one(p);
                              });
      } else {
        for (int64_t p = 0; p < batches; ++p) one(p);  // BLAS threads each product
      }
    }
  });
}

}  // namespace kiln::kernels::cpu
