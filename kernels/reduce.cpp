// The device-neutral reductions: x viewed as (outer, reduced, inner) once, then the
// output's device picks the backend.
#include "kernels/reduce.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/reduce.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/layout.h"

namespace kiln::kernels {
namespace {

/// Splits x's axes into (outer, reduced, inner) if the reduced axes form one block once
/// size-1 axes are ignored; returns false otherwise.
bool block_geometry(const Shape& shape, const std::vector<int64_t>& axes, RowGeometry& g) {
  int64_t first = -1, last = -1;
  for (int64_t a : axes) {
    if (shape[a] == 1) continue;
    if (first < 0) first = a;
    last = a;
  }
  g = {};
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (first >= 0 && i > first && i < last && !reduced && shape[i] != 1) return false;
    if (reduced)
      g.reduced *= shape[i];
    else if (first < 0 || i < first)
      g.outer *= shape[i];
    else
      g.inner *= shape[i];
  }
  return true;
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, const std::vector<int64_t>& axes, const Tensor& out) {
  RowGeometry g;
  Tensor src = x;
  if (!block_geometry(x.shape(), axes, g)) {
    // Scattered axes: move the reduced ones last, then reduce rows.
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < x.rank(); ++i)
      if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
    perm.insert(perm.end(), axes.begin(), axes.end());
    src = permute(x, perm);
    g = {};
    for (int64_t i = 0; i < x.rank(); ++i)
      (std::find(axes.begin(), axes.end(), i) == axes.end() ? g.outer : g.reduced) *= x.shape()[i];
  }
  if (cuda::on_cuda(out)) return cuda::reduce(static_cast<int>(op), src, g, out);
  cpu::reduce(op, src, g, out);
}

namespace {
RowGeometry along(const Tensor& x, int64_t axis) {
  RowGeometry g;
  for (int64_t i = 0; i < x.rank(); ++i)
    (i < axis ? g.outer : i == axis ? g.reduced : g.inner) *= x.shape()[i];
  return g;
}
}  // namespace

void arg_extreme(const Tensor& x, int64_t axis, bool largest, const Tensor& out) {
  const RowGeometry g = along(x, axis);
  if (cuda::on_cuda(out)) return cuda::arg_extreme(x, g, largest, out);
  cpu::arg_extreme(x, g, largest, out);
}

void cumsum(const Tensor& x, int64_t axis, bool reverse, const Tensor& out) {
  const RowGeometry g = along(x, axis);
  if (cuda::on_cuda(out)) return cuda::cumsum(x, g, reverse, out);
  cpu::cumsum(x, g, reverse, out);
}

}  // namespace kiln::kernels
