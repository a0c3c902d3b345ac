#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels/cpu/lanes.h"
#include "kiln/error.h"
#include "runtime/integer_math.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cpu {
namespace {

using ReduceGeometry = RowGeometry;

// Fixed chunking (not per thread) keeps a long single-row sum's rounding identical for
// every thread count.
constexpr int64_t kRowChunk = 64 * 1024;

template <class T>
using SumAcc = std::conditional_t<std::is_floating_point_v<T>, double,
                                  std::conditional_t<std::is_same_v<T, uint8_t>, int64_t, T>>;

template <class T>
SumAcc<T> row_sum(const T* x, int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    return lane_sum(x, n);
  } else {
    SumAcc<T> s = 0;
    for (int64_t i = 0; i < n; ++i) s = wrap_add<SumAcc<T>>(s, x[i]);
    return s;
  }
}

template <class T>
T finish(ReduceOp op, SumAcc<T> s, int64_t count) {
  if (op == ReduceOp::mean) {
    if constexpr (std::is_floating_point_v<T>)
      return static_cast<T>(s / static_cast<double>(count));
    else
      return static_cast<T>(s / static_cast<SumAcc<T>>(count));
  }
  return static_cast<T>(s);
}

template <class T>
T combine_extreme(bool is_max, T a, T b) {
  return is_max ? extreme<true>(a, b) : extreme<false>(a, b);
}

template <class T>
void reduce_rows(ReduceOp op, const T* x, T* out, const ReduceGeometry& g) {
  const int64_t R = g.reduced;
  const bool is_max = op == ReduceOp::max;
  auto one_row = [&](const T* row) -> T {
    if (op == ReduceOp::sum || op == ReduceOp::mean) return finish<T>(op, row_sum(row, R), R);
    return is_max ? lane_extreme<true>(row, R) : lane_extreme<false>(row, R);
  };
  if (g.outer >= runtime::num_threads() || R <= kRowChunk) {
    int64_t grain = std::max<int64_t>(1, runtime::kParallelGrain / std::max<int64_t>(R, 1));
    runtime::parallel_for(g.outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) out[o] = one_row(x + o * R);
    });
    return;
  }
  // Few long rows: fixed chunks in parallel, combined in order.
  const int64_t chunks = (R + kRowChunk - 1) / kRowChunk;
  for (int64_t o = 0; o < g.outer; ++o) {
    const T* row = x + o * R;
    if (op == ReduceOp::sum || op == ReduceOp::mean) {
      std::vector<SumAcc<T>> part(chunks);
      runtime::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c)
          part[c] = row_sum(row + c * kRowChunk, std::min(kRowChunk, R - c * kRowChunk));
      });
      SumAcc<T> s = 0;
      for (auto p : part) s = wrap_add<SumAcc<T>>(s, p);
      out[o] = finish<T>(op, s, R);
    } else {
      std::vector<T> part(chunks);
      runtime::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          int64_t n = std::min(kRowChunk, R - c * kRowChunk);
          part[c] = is_max ? lane_extreme<true>(row + c * kRowChunk, n)
                           : lane_extreme<false>(row + c * kRowChunk, n);
        }
      });
      T r = part[0];
      for (auto p : part) r = combine_extreme(is_max, r, p);
      out[o] = r;
    }
  }
}

/// inner > 1: accumulate whole rows of `inner` values, which vectorizes across columns.
template <class T>
void reduce_columns(ReduceOp op, const T* x, T* out, const ReduceGeometry& g) {
  const int64_t R = g.reduced, inner = g.inner;
  const bool is_sum = op == ReduceOp::sum || op == ReduceOp::mean, is_max = op == ReduceOp::max;
  int64_t grain = std::max<int64_t>(16, runtime::kParallelGrain / std::max<int64_t>(R, 1));
  runtime::parallel_for(g.outer * inner, grain, [&](int64_t b, int64_t e) {
    std::vector<SumAcc<T>> acc;
    for (int64_t pos = b; pos < e;) {
      int64_t o = pos / inner, j0 = pos % inner;
      int64_t j1 = std::min(inner, j0 + (e - pos));
      int64_t w = j1 - j0;
      const T* base = x + o * R * inner + j0;
      T* dst = out + o * inner + j0;
      if (R == 0) {
        for (int64_t j = 0; j < w; ++j) dst[j] = finish<T>(op, 0, 0);
      } else if (is_sum) {
        acc.assign(w, 0);
        for (int64_t r = 0; r < R; ++r) {
          const T* row = base + r * inner;
          for (int64_t j = 0; j < w; ++j) acc[j] = wrap_add<SumAcc<T>>(acc[j], row[j]);
        }
        for (int64_t j = 0; j < w; ++j) dst[j] = finish<T>(op, acc[j], R);
      } else {
        for (int64_t j = 0; j < w; ++j) dst[j] = base[j];
        for (int64_t r = 1; r < R; ++r) {
          const T* row = base + r * inner;
          if (is_max)
            for (int64_t j = 0; j < w; ++j) dst[j] = combine_extreme(true, dst[j], row[j]);
          else
            for (int64_t j = 0; j < w; ++j) dst[j] = combine_extreme(false, dst[j], row[j]);
        }
      }
      pos += w;
    }
  });
}

}  // namespace

void reduce(ReduceOp op, const Tensor& src, RowGeometry g, const Tensor& out) {
  dispatch_dtype(src.dtype(), [&]<class T>() {
    const T* px = detail::data<T>(src);
    T* po = detail::mutable_data<T>(out);
    if (g.outer * g.inner == 0) return;
    if (g.inner == 1)
      reduce_rows<T>(op, px, po, g);
    else
      reduce_columns<T>(op, px, po, g);
  });
}

void arg_extreme(const Tensor& x, RowGeometry g, bool largest, const Tensor& out) {
  dispatch_dtype(x.dtype(), [&]<class T>() {
    const T* px = detail::data<T>(x);
    int64_t* po = detail::mutable_data<int64_t>(out);
    const int64_t R = g.reduced, inner = g.inner;
    int64_t grain = std::max<int64_t>(1, runtime::kParallelGrain / std::max<int64_t>(R, 1));
    runtime::parallel_for(g.outer * inner, grain, [&](int64_t b, int64_t e) {
      for (int64_t pos = b; pos < e; ++pos) {
        int64_t o = pos / inner, j = pos % inner;
        const T* p = px + o * R * inner + j;
        T best = p[0];
        int64_t at = 0;
        for (int64_t r = 1; r < R && best == best; ++r) {
          T v = p[r * inner];
          if ((largest ? v > best : v < best) || v != v) {
            best = v;
            at = r;
          }
        }
        po[pos] = at;
      }
    });
  });
}

void cumsum(const Tensor& x, RowGeometry g, bool reverse, const Tensor& out) {
  dispatch_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, uint8_t>) {
      throw Error("cumsum: boolean input is not supported");  // refused by its shape rule
    } else {
      const T* px = detail::data<T>(x);
      T* po = detail::mutable_data<T>(out);
      const int64_t R = g.reduced, inner = g.inner;
      if (R == 0) return;
      // Each (outer, inner block) runs along the axis in order; the inner dimension is the
      // vector one (contiguous), so a row's sums are independent lanes.
      constexpr int64_t kBlock = 256;
      const int64_t blocks = (inner + kBlock - 1) / kBlock;
      const int64_t grain = std::max<int64_t>(1, runtime::kParallelGrain / std::max<int64_t>(R * std::min(inner, kBlock), 1));
      runtime::parallel_for(g.outer * blocks, grain, [&](int64_t b, int64_t e) {
        for (int64_t pos = b; pos < e; ++pos) {
          const int64_t o = pos / blocks, j0 = (pos % blocks) * kBlock;
          const int64_t j1 = std::min(inner, j0 + kBlock);
          const T* src = px + o * R * inner;
          T* dst = po + o * R * inner;
          for (int64_t step = 0; step < R; ++step) {
            const int64_t r = reverse ? R - 1 - step : step;
            const int64_t prev = reverse ? r + 1 : r - 1;
            for (int64_t j = j0; j < j1; ++j) {
              const T v = src[r * inner + j];
              dst[r * inner + j] = step == 0 ? v : wrap_add(dst[prev * inner + j], v);
            }
          }
        }
      });
    }
  });
}

}  // namespace kiln::kernels::cpu
