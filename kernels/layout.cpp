// The device-neutral layout entry points: strides and geometry are worked out once (and
// gather's indices checked on the host, for every device), then the output's device picks
// the backend.
#include "kernels/layout.h"

#include <string>

#include "kernels/cpu/layout.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kiln/error.h"
#include "runtime/dispatch.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels {
namespace {

template <class I>
void check_indices(const I* idx, int64_t n, int64_t dim, const char* op) {
  for (int64_t i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= dim)
      throw Error(std::string("[") + op + "] index " + std::to_string(idx[i]) + " at position " +
                  std::to_string(i) + " is out of range [0, " + std::to_string(dim) + ")");
}

/// out (contiguous) = x[base + sum(i_d * stride_d)].
void copy_strided(const Tensor& x, int64_t base, const std::vector<int64_t>& stride,
                  const Tensor& out) {
  if (cuda::on_cuda(out))
    return cuda::copy_strided(x, base, stride, out, 0, contiguous_strides(out.shape()),
                              out.shape());
  cpu::copy_strided(x, base, stride, out);
}

}  // namespace

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

void permute_into(const Tensor& x, const std::vector<int64_t>& perm, const Tensor& out) {
  auto xs = contiguous_strides(x.shape());
  std::vector<int64_t> stride(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) stride[i] = xs[perm[i]];
  copy_strided(x, 0, stride, out);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& perm) {
  Shape shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) shape[i] = x.shape()[perm[i]];
  Tensor out = detail::empty(x.dtype(), shape, x.device());
  permute_into(x, perm, out);
  return out;
}

void broadcast_into(const Tensor& x, const Tensor& out) {
  const Shape& s = x.shape();
  auto xs = contiguous_strides(s);
  std::vector<int64_t> stride(out.rank(), 0);
  for (size_t i = 0; i < s.size(); ++i) {
    size_t o = i + (out.shape().size() - s.size());
    stride[o] = s[i] == 1 ? 0 : xs[i];
  }
  copy_strided(x, 0, stride, out);
}

void slice_into(const Tensor& x, const std::vector<int64_t>& begin, const Tensor& out) {
  auto xs = contiguous_strides(x.shape());
  int64_t base = 0;
  for (size_t i = 0; i < begin.size(); ++i) base += begin[i] * xs[i];
  if (out.numel() == 0) return;
  copy_strided(x, base, xs, out);
}

void concat_into(const std::vector<Tensor>& xs, int64_t axis, const Tensor& out) {
  const Shape& s = out.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  if (cuda::on_cuda(out)) {
    // Each input is a (outer, its extent * inner) block of rows written at its column.
    int64_t col = 0;
    for (const Tensor& x : xs) {
      const int64_t row = x.shape()[axis] * inner;
      cuda::copy_strided(x, 0, {row, 1}, out, col, {s[axis] * inner, 1}, {outer, row});
      col += row;
    }
    return;
  }
  cpu::concat(xs, axis, outer, inner, out);
}

void gather_into(const Tensor& x, const Tensor& indices, int64_t axis, const Tensor& out) {
  const Shape& s = x.shape();
  RowGeometry g;
  for (int64_t i = 0; i < axis; ++i) g.outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) g.inner *= s[i];
  g.reduced = s[axis];
  const int64_t n = indices.numel();
  std::vector<int64_t> idx(n);
  const Tensor host_indices = detail::to_host(indices);
  dispatch_dtype(indices.dtype(), [&]<class I>() {
    if constexpr (std::is_integral_v<I> && !std::is_same_v<I, uint8_t>) {
      const I* p = detail::data<I>(host_indices);
      check_indices(p, n, g.reduced, "gather");
      std::copy(p, p + n, idx.begin());
    }
  });
  if (cuda::on_cuda(out)) return cuda::gather(x, idx, g, out);
  cpu::gather(x, idx, g, out);
}

void index_update_into(const Tensor& x, const Tensor& index, const Tensor& value, int64_t axis,
                       const Tensor& out) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  const int64_t dim = s[axis];
  int64_t at = 0;
  const Tensor host_index = detail::to_host(index);
  dispatch_dtype(index.dtype(), [&]<class I>() {
    if constexpr (std::is_integral_v<I> && !std::is_same_v<I, uint8_t>) {
      const I* p = detail::data<I>(host_index);
      check_indices(p, 1, dim, "index_update");
      at = static_cast<int64_t>(*p);
    }
  });
  if (out.impl()->data() != x.impl()->data()) copy_strided(x, 0, contiguous_strides(s), out);
  if (value.numel() == 0) return;
  if (cuda::on_cuda(out))
    return cuda::copy_strided(value, 0, {inner, 1}, out, at * inner, {dim * inner, 1},
                              {outer, inner});
  cpu::write_rows(value, outer, inner, dim * inner, at * inner, out);
}

void one_hot_into(const Tensor& indices, int64_t depth, const Tensor& out) {
  if (cuda::on_cuda(out)) return cuda::one_hot(indices, depth, out);
  cpu::one_hot(indices, depth, out);
}

}  // namespace kiln::kernels
