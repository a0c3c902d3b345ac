// Gradients of the shape ops (ops_shape.cpp): each moves the upstream gradient back to
// where the input's elements came from. one_hot takes integers and has no gradient.
#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

Grads reshape_vjp(const VjpArgs& a) { return {reshape_like(a.grads[0], a.inputs[0])}; }

Grads transpose_vjp(const VjpArgs& a) {
  const std::vector<int64_t>& perm = a.attrs.ints("perm");
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return {transpose(a.grads[0], inverse)};
}

Grads broadcast_to_vjp(const VjpArgs& a) { return {unbroadcast(a.grads[0], a.inputs[0])}; }

/// slice: the gradient padded with zeros back to the input's extent, one axis at a time.
Grads slice_vjp(const VjpArgs& a) {
  const Tensor& x = a.inputs[0];
  const std::vector<int64_t>& begin = a.attrs.ints("begin");
  Tensor g = a.grads[0];
  for (int64_t axis = 0; axis < x.rank(); ++axis) {
    const int64_t dim = x.shape()[axis];
    const int64_t b = begin[axis] < 0 ? begin[axis] + dim : begin[axis];
    const int64_t len = g.shape()[axis];
    const int64_t after = dim - b - len;
    if (b == 0 && after == 0) continue;
    std::vector<Tensor> parts;
    Shape pad = g.shape();
    if (b > 0) {
      pad[axis] = b;
      parts.push_back(zeros(pad, g.dtype(), g.device()));
    }
    parts.push_back(g);
    if (after > 0) {
      pad[axis] = after;
      parts.push_back(zeros(pad, g.dtype(), g.device()));
    }
    g = concat(parts, axis);
  }
  return {g};
}

Grads concat_vjp(const VjpArgs& a) {
  const int64_t axis = a.attrs.i64("axis");
  const Tensor& g = a.grads[0];
  Grads out(a.inputs.size());
  std::vector<int64_t> begin(static_cast<size_t>(g.rank()), 0);
  std::vector<int64_t> end = g.shape();
  int64_t offset = 0;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const int64_t len = a.inputs[i].shape()[axis];
    if (a.needed[i]) {
      begin[axis] = offset;
      end[axis] = offset + len;
      out[i] = slice(g, begin, end);
    }
    offset += len;
  }
  return out;
}

/// gather: a scatter-add of the gradient rows into x's rows, written as a product with
/// the one-hot matrix of the indices: (N, J) @ (P, J, Q) -> (P, N, Q), where P and Q are
/// the sizes before and after `axis` and J the number of indices.
Grads gather_vjp(const VjpArgs& a) {
  const Tensor &x = a.inputs[0], &indices = a.inputs[1];
  const int64_t axis = a.attrs.i64("axis");
  int64_t before = 1, after = 1;
  for (int64_t i = 0; i < axis; ++i) before *= x.shape()[i];
  for (int64_t i = axis + 1; i < x.rank(); ++i) after *= x.shape()[i];
  const int64_t n = x.shape()[axis];
  const int64_t j = indices.numel();
  Tensor hot = reshape(one_hot(indices, n, x.dtype()), {j, n});
  Tensor g = reshape(a.grads[0], {before, j, after});
  Tensor gx = matmul(transpose(hot), g);
  return {reshape(gx, x.shape()), Tensor()};
}

/// index_update: x's gradient is g with the replaced entry zeroed; value's is that entry.
Grads index_update_vjp(const VjpArgs& a) {
  const Tensor& index = a.inputs[1];
  const Tensor& value = a.inputs[2];
  const int64_t axis = a.attrs.i64("axis");
  const Tensor& g = a.grads[0];
  Tensor gx, gv;
  if (a.needed.at(0))
    gx = index_update(g, index, broadcast_like(zeros({}, g.dtype(), g.device()), value), axis);
  if (a.needed.at(2)) gv = gather(g, index, axis);
  return {gx, Tensor(), gv};
}

}  // namespace

const GradientRule grad_reshape{&reshape_vjp};
const GradientRule grad_transpose{&transpose_vjp};
const GradientRule grad_broadcast_to{&broadcast_to_vjp};
const GradientRule grad_expand_dims{&reshape_vjp};
const GradientRule grad_squeeze{&reshape_vjp};
const GradientRule grad_slice{&slice_vjp};
const GradientRule grad_concat{&concat_vjp};
const GradientRule grad_gather{&gather_vjp};
const GradientRule grad_one_hot = kNotDifferentiable;
const GradientRule grad_index_update{&index_update_vjp};

}  // namespace kiln::detail
