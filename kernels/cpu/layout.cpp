#include "kernels/cpu/layout.h"

#include <algorithm>
#include <cstring>

#include "kiln/error.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cpu {

namespace {

/// Elements of a given byte size, as an unsigned type of that size.
template <class Fn>
void dispatch_size(size_t bytes, Fn&& fn) {
  switch (bytes) {
    case 1:
      return fn.template operator()<uint8_t>();
    case 4:
      return fn.template operator()<uint32_t>();
    case 8:
      return fn.template operator()<uint64_t>();
  }
  throw Error("[copy] unsupported element size");
}

/// dst (contiguous, `shape`) = src[base + sum(i_d * stride_d)]. Axes are collapsed where
/// the source stays contiguous; a 2-D transpose-like remainder is copied in tiles.
template <class E>
void strided_copy(const E* src, std::vector<int64_t> shape, std::vector<int64_t> stride, E* dst) {
  // Collapse (drop size-1 axes, merge where stride[i] == stride[i+1] * shape[i+1]).
  std::vector<int64_t> sh, st;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!sh.empty() && st.back() == stride[i] * shape[i]) {
      sh.back() *= shape[i];
      st.back() = stride[i];
    } else {
      sh.push_back(shape[i]);
      st.push_back(stride[i]);
    }
  }
  int64_t total = 1;
  for (int64_t d : sh) total *= d;
  if (total == 0) return;
  if (sh.empty()) {
    dst[0] = src[0];
    return;
  }
  const size_t r = sh.size();
  const int64_t inner = sh[r - 1], is = st[r - 1];
  if (r == 2 && is != 1 && st[0] == 1) {
    // A transpose: tiles keep both the reads and the writes in cache lines.
    constexpr int64_t kTile = 32;
    const int64_t rows = sh[0], cols = inner;
    int64_t row_tiles = (rows + kTile - 1) / kTile;
    runtime::parallel_for(row_tiles, std::max<int64_t>(1, runtime::kParallelGrain / (kTile * cols)),
                          [&](int64_t b, int64_t e) {
                            for (int64_t rt = b; rt < e; ++rt)
                              for (int64_t c0 = 0; c0 < cols; c0 += kTile)
                                for (int64_t i = rt * kTile; i < std::min(rows, rt * kTile + kTile);
                                     ++i)
                                  for (int64_t j = c0; j < std::min(cols, c0 + kTile); ++j)
                                    dst[i * cols + j] = src[i + j * is];
                          });
    return;
  }
  runtime::parallel_for(total / inner, std::max<int64_t>(1, runtime::kParallelGrain / inner),
                        [&](int64_t b, int64_t e) {
                          std::vector<int64_t> idx(r - 1);
                          int64_t off = 0;
                          for (size_t d = r - 1, row = static_cast<size_t>(b); d-- > 0;) {
                            idx[d] = static_cast<int64_t>(row % sh[d]);
                            row /= sh[d];
                            off += idx[d] * st[d];
                          }
                          for (int64_t row = b; row < e; ++row) {
                            E* o = dst + row * inner;
                            const E* s = src + off;
                            if (is == 1)
                              std::memcpy(o, s, sizeof(E) * inner);
                            else if (is == 0)
                              std::fill(o, o + inner, s[0]);
                            else
                              for (int64_t j = 0; j < inner; ++j) o[j] = s[j * is];
                            for (size_t d = r - 1; d-- > 0;) {
                              off += st[d];
                              if (++idx[d] < sh[d]) break;
                              off -= idx[d] * st[d];
                              idx[d] = 0;
                            }
                          }
                        });
}

}  // namespace

void copy_strided(const Tensor& x, int64_t base, const std::vector<int64_t>& stride,
                  const Tensor& out) {
  dispatch_size(dtype_size(x.dtype()), [&]<class E>() {
    strided_copy<E>(detail::data<E>(x) + base, out.shape(), stride, detail::mutable_data<E>(out));
  });
}

void concat(const std::vector<Tensor>& xs, int64_t axis, int64_t outer, int64_t inner,
            const Tensor& out) {
  const Shape& s = out.shape();
  const size_t es = dtype_size(out.dtype());
  const int64_t out_row = s[axis] * inner * static_cast<int64_t>(es);
  char* dst = static_cast<char*>(out.impl()->data());
  int64_t col = 0;
  for (const Tensor& x : xs) {
    const int64_t row = x.shape()[axis] * inner * static_cast<int64_t>(es);
    const char* src = static_cast<const char*>(x.data());
    if (row > 0)
      runtime::parallel_for(outer, std::max<int64_t>(1, runtime::kParallelGrain * 4 / row),
                            [&](int64_t b, int64_t e) {
                              for (int64_t o = b; o < e; ++o)
                                std::memcpy(dst + o * out_row + col, src + o * row, row);
                            });
    col += row;
  }
}

void gather(const Tensor& x, const std::vector<int64_t>& idx, RowGeometry g, const Tensor& out) {
  const int64_t outer = g.outer, dim = g.reduced, inner = g.inner;
  const int64_t n = static_cast<int64_t>(idx.size());
  const size_t es = dtype_size(x.dtype());
  const size_t row = static_cast<size_t>(inner) * es;
  const char* src = static_cast<const char*>(x.data());
  char* dst = static_cast<char*>(out.impl()->data());
  runtime::parallel_for(outer * n,
                        std::max<int64_t>(1, runtime::kParallelGrain / std::max<int64_t>(inner, 1)),
                        [&](int64_t b, int64_t e) {
                          for (int64_t p = b; p < e; ++p) {
                            int64_t o = p / n, i = p % n;
                            std::memcpy(dst + p * row, src + (o * dim + idx[i]) * row, row);
                          }
                        });
}

void write_rows(const Tensor& value, int64_t outer, int64_t row, int64_t row_stride, int64_t column,
                const Tensor& out) {
  const size_t es = dtype_size(value.dtype());
  const size_t bytes = static_cast<size_t>(row) * es;
  const char* src = static_cast<const char*>(value.data());
  char* dst = static_cast<char*>(out.impl()->data()) + column * es;
  runtime::parallel_for(outer,
                        std::max<int64_t>(1, runtime::kParallelGrain / std::max<int64_t>(row, 1)),
                        [&](int64_t b, int64_t e) {
                          for (int64_t o = b; o < e; ++o)
                            std::memcpy(dst + o * row_stride * es, src + o * bytes, bytes);
                        });
}

void one_hot(const Tensor& indices, int64_t depth, const Tensor& out) {
  const int64_t n = indices.numel();
  std::vector<int64_t> idx(n);
  dispatch_dtype(indices.dtype(), [&]<class I>() {
    const I* p = detail::data<I>(indices);
    std::copy(p, p + n, idx.begin());
  });
  dispatch_dtype(out.dtype(), [&]<class T>() {
    T* o = detail::mutable_data<T>(out);
    std::fill(o, o + n * depth, T(0));
    for (int64_t i = 0; i < n; ++i)
      if (idx[i] >= 0 && idx[i] < depth) o[i * depth + idx[i]] = T(1);
  });
}

}  // namespace kiln::kernels::cpu
