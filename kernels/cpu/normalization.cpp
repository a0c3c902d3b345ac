#include "kernels/cpu/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/lanes.h"
#include "runtime/extremes.h"
#include "kernels/cpu/vec_math.h"
#include "kiln/error.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cpu {
namespace {

/// One contiguous row: out = softmax(x) or log_softmax(x).
template <class T>
void softmax_row(const T* x, T* out, int64_t n, bool log) {
  const T m = lane_extreme<true>(x, n);
  // A row of -inf (or the max itself infinite) would give inf - inf; shift by 0 then.
  const T shift = std::isfinite(m) ? m : T(0);
  for (int64_t i = 0; i < n; ++i) out[i] = vecmath::exp(x[i] - shift);
  const T s = static_cast<T>(lane_sum(out, n));
  if (log) {
    // (x - shift) - log s, not x - (shift + log s): the latter rounds the result to the
    // precision of the largest logit ([3e7, 3e7, 1] in f32 would give 0, not -log 2).
    const T log_s = vecmath::log(s);
    for (int64_t i = 0; i < n; ++i) out[i] = (x[i] - shift) - log_s;
  } else {
    const T inv = T(1) / s;
    for (int64_t i = 0; i < n; ++i) out[i] *= inv;
  }
}

/// A strided "row" (inner > 1): columns of one outer block processed together.
template <class T>
void softmax_block(const T* x, T* out, int64_t R, int64_t inner, bool log) {
  std::vector<T> m(x, x + inner), s(inner, T(0));
  for (int64_t r = 1; r < R; ++r)
    for (int64_t j = 0; j < inner; ++j) {
      T v = x[r * inner + j];
      m[j] = extreme<true>(m[j], v);
    }
  for (int64_t j = 0; j < inner; ++j) m[j] = std::isfinite(m[j]) ? m[j] : T(0);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t j = 0; j < inner; ++j) {
      T e = vecmath::exp(x[r * inner + j] - m[j]);
      out[r * inner + j] = e;
      s[j] += e;
    }
  for (int64_t j = 0; j < inner; ++j) s[j] = log ? vecmath::log(s[j]) : T(1) / s[j];
  for (int64_t r = 0; r < R; ++r)
    for (int64_t j = 0; j < inner; ++j) {
      T& o = out[r * inner + j];
      o = log ? (x[r * inner + j] - m[j]) - s[j] : o * s[j];
    }
}

}  // namespace

void softmax(const Tensor& x, RowGeometry g, bool log, const Tensor& out) {
  const int64_t outer = g.outer, R = g.reduced, inner = g.inner;
  dispatch_floating(x.dtype(), [&]<class T>() {
    const T* px = detail::data<T>(x);
    T* po = detail::mutable_data<T>(out);
    int64_t grain = std::max<int64_t>(1, runtime::kParallelGrain / (R * inner));
    runtime::parallel_for(outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        if (inner == 1) softmax_row(px + o * R, po + o * R, R, log);
        else softmax_block(px + o * R * inner, po + o * R * inner, R, inner, log);
      }
    });
  });
}

void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                const Tensor& out) {
  const int64_t D = x.shape().back();
  const int64_t rows = x.numel() / D;
  dispatch_floating(x.dtype(), [&]<class T>() {
    const T* px = detail::data<T>(x);
    const T* pg = detail::data<T>(gamma);
    const T* pb = detail::data<T>(beta);
    T* po = detail::mutable_data<T>(out);
    runtime::parallel_for(rows, std::max<int64_t>(1, runtime::kParallelGrain / D),
                          [&](int64_t b, int64_t e) {
                            for (int64_t r = b; r < e; ++r) {
                              const T* row = px + r * D;
                              T* o = po + r * D;
                              const T mean = static_cast<T>(lane_sum(row, D) / double(D));
                              // Two passes (centered) for an accurate variance; the row is
                              // cache-resident, so the extra pass costs no memory traffic.
                              for (int64_t i = 0; i < D; ++i) {
                                T c = row[i] - mean;
                                o[i] = c * c;
                              }
                              const double var = lane_sum(o, D) / double(D);
                              const T rstd = static_cast<T>(1.0 / std::sqrt(var + eps));
                              for (int64_t i = 0; i < D; ++i)
                                o[i] = (row[i] - mean) * rstd * pg[i] + pb[i];
                            }
                          });
  });
}

void softmax_cross_entropy(const Tensor& logits, const std::vector<int64_t>& label,
                           const Tensor& out) {
  const int64_t C = logits.shape().back();
  const int64_t rows = static_cast<int64_t>(label.size());
  dispatch_floating(logits.dtype(), [&]<class T>() {
    const T* px = detail::data<T>(logits);
    T* po = detail::mutable_data<T>(out);
    runtime::parallel_for(rows, std::max<int64_t>(1, runtime::kParallelGrain / std::max<int64_t>(C, 1)),
                          [&](int64_t b, int64_t e) {
                            for (int64_t r = b; r < e; ++r) {
                              const T* row = px + r * C;
                              const T m = lane_extreme<true>(row, C);
                              const T shift = std::isfinite(m) ? m : T(0);
                              double s = 0;
                              for (int64_t i = 0; i < C; ++i) s += vecmath::exp(row[i] - shift);
                              // log s - (x[label] - shift): see softmax_row.
                              po[r] = static_cast<T>(std::log(s) -
                                                     static_cast<double>(row[label[r]] - shift));
                            }
                          });
  });
}

}  // namespace kiln::kernels::cpu
