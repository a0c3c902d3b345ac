// Gradients of the reductions (ops_reduce.cpp): the upstream gradient is broadcast back
// over the reduced axes. argmax has an integer result and no gradient.
#include "compiler/gradients.h"
#include "kiln/ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

/// x's shape with the reduced axes kept as 1 (what keepdims=true gives).
Shape kept_shape(const Tensor& x, const std::vector<int64_t>& axes) {
  Shape s = x.shape();
  for (int64_t a : axes) s[a] = 1;
  return s;
}

/// The upstream gradient reshaped to the kept shape, so it broadcasts against x.
Tensor kept(const VjpArgs& a, const Tensor& t) {
  return reshape(t, kept_shape(a.inputs[0], a.attrs.ints("axes")));
}

Grads sum_vjp(const VjpArgs& a) { return {broadcast_to(kept(a, a.grads[0]), a.inputs[0].shape())}; }

Grads mean_vjp(const VjpArgs& a) {
  const Tensor& x = a.inputs[0];
  int64_t count = 1;
  for (int64_t axis : a.attrs.ints("axes")) count *= x.shape()[axis];
  return {broadcast_to(kept(a, a.grads[0]) / static_cast<double>(count), x.shape())};
}

/// max and min: the gradient goes to the elements equal to the result, split evenly
/// between ties (as TensorFlow does).
Grads extremum_vjp(const VjpArgs& a) {
  const Tensor& x = a.inputs[0];
  Tensor hit = cast(equal(x, kept(a, a.outputs[0])), x.dtype());
  Tensor ties = sum(hit, Axes(a.attrs.ints("axes")), /*keepdims=*/true);
  return {hit * (kept(a, a.grads[0]) / ties)};
}

}  // namespace

const GradientRule grad_sum{&sum_vjp};
const GradientRule grad_mean{&mean_vjp};
const GradientRule grad_max{&extremum_vjp};
const GradientRule grad_min{&extremum_vjp};
const GradientRule grad_argmax = kNotDifferentiable;

}  // namespace kiln::detail
