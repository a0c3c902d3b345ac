// Gradients of the reductions (ops_reduce.cpp): the upstream gradient is broadcast back
// over the reduced axes; cumsum's is the running sum of the upstream gradient the other way.
// argmax and argmin have integer results and no gradient.
#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

/// The upstream gradient with the reduced axes put back as size 1 (what keepdims=true
/// gives), so it broadcasts against x; no size read (x's may be dynamic).
Tensor kept(const VjpArgs& a, const Tensor& t) {
  if (a.attrs.flag("keepdims")) return t;
  Tensor k = t;
  for (int64_t axis : a.attrs.ints("axes")) k = expand_dims(k, axis);  // ascending
  return k;
}

Grads sum_vjp(const VjpArgs& a) { return {broadcast_like(kept(a, a.grads[0]), a.inputs[0])}; }

Grads mean_vjp(const VjpArgs& a) {
  const Tensor& x = a.inputs[0];
  return {broadcast_like(kept(a, a.grads[0]) / count_over(x, a.attrs.ints("axes")), x)};
}

/// max and min: the gradient goes to the elements equal to the result, split evenly
/// between ties (as TensorFlow does).
Grads extremum_vjp(const VjpArgs& a) {
  const Tensor& x = a.inputs[0];
  Tensor hit = cast(equal(x, kept(a, a.outputs[0])), x.dtype());
  Tensor ties = sum(hit, Axes(a.attrs.ints("axes")), /*keepdims=*/true);
  return {hit * (kept(a, a.grads[0]) / ties)};
}

/// y_i = sum over j <= i of x_j, so dx_j = sum over i >= j of g_i: the reverse running sum.
Grads cumsum_vjp(const VjpArgs& a) {
  return {cumsum(a.grads[0], a.attrs.i64("axis"), !a.attrs.flag("reverse"))};
}

}  // namespace

const GradientRule grad_sum{&sum_vjp};
const GradientRule grad_mean{&mean_vjp};
const GradientRule grad_max{&extremum_vjp};
const GradientRule grad_min{&extremum_vjp};
const GradientRule grad_argmax = kNotDifferentiable;
const GradientRule grad_argmin = kNotDifferentiable;
const GradientRule grad_cumsum{&cumsum_vjp};

}  // namespace kiln::detail
