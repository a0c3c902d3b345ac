// Gradients of the run-time size ops (ops_size.cpp). shape has an integer result.
#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

Grads dynamic_reshape_vjp(const VjpArgs& a) {
  return {reshape_like(a.grads[0], a.inputs[0]), Tensor()};
}

// sum_to undoes a broadcast: its gradient broadcasts back (`like` only gave a shape).
Grads sum_to_vjp(const VjpArgs& a) { return {broadcast_like(a.grads[0], a.inputs[0]), Tensor()}; }

}  // namespace

const GradientRule grad_shape = kNotDifferentiable;
const GradientRule grad_dynamic_reshape{&dynamic_reshape_vjp};
const GradientRule grad_sum_to{&sum_to_vjp};

}  // namespace kiln::detail
