// Gradients of the elementwise ops (ops_elementwise.cpp). Broadcasting is undone by
// summing back to each operand's shape; comparisons and logical ops have no gradient.
#include <cmath>
#include <numbers>

#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"
#include "runtime/unary_ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

Tensor zero_like_scalar(const Tensor& t) { return full({}, 0, t.dtype(), t.device()); }

using unary_detail::masked;  // g where a mask holds, zero elsewhere (runtime/unary_ops.h)

/// The gradients of a binary op from the two partial products (computed only if needed).
template <class FA, class FB>
Grads binary(const VjpArgs& a, FA&& da, FB&& db) {
  Grads out(2);
  if (a.needed[0]) out[0] = unbroadcast(da(), a.inputs[0]);
  if (a.needed[1]) out[1] = unbroadcast(db(), a.inputs[1]);
  return out;
}

Grads add_vjp(const VjpArgs& a) {
  const Tensor& g = a.grads[0];
  return binary(
      a, [&] { return g; }, [&] { return g; });
}
Grads subtract_vjp(const VjpArgs& a) {
  const Tensor& g = a.grads[0];
  return binary(
      a, [&] { return g; }, [&] { return -g; });
}
Grads multiply_vjp(const VjpArgs& a) {
  const Tensor &g = a.grads[0], &x = a.inputs[0], &y = a.inputs[1];
  return binary(
      a, [&] { return g * y; }, [&] { return g * x; });
}
Grads divide_vjp(const VjpArgs& a) {
  const Tensor &g = a.grads[0], &y = a.inputs[1], &out = a.outputs[0];
  return binary(
      a, [&] { return g / y; }, [&] { return -(g * out) / y; });
}
Grads pow_vjp(const VjpArgs& a) {
  const Tensor &g = a.grads[0], &x = a.inputs[0], &y = a.inputs[1], &out = a.outputs[0];
  // d/dy x^y = x^y log x, taken as 0 where x <= 0 (as TensorFlow does).
  return binary(
      a, [&] { return g * y * pow(x, y - 1); },
      [&] {
        return g * out *
               where(x > 0, log(where(x > 0, x, full({}, 1, x.dtype(), x.device()))), zero_like_scalar(x));
      });
}
// Ties send the gradient to the first operand (TensorFlow's choice).
Grads maximum_vjp(const VjpArgs& a) {
  const Tensor &g = a.grads[0], &x = a.inputs[0], &y = a.inputs[1];
  Tensor first = x >= y;
  return binary(
      a, [&] { return masked(first, g); }, [&] { return masked(logical_not(first), g); });
}
Grads minimum_vjp(const VjpArgs& a) {
  const Tensor &g = a.grads[0], &x = a.inputs[0], &y = a.inputs[1];
  Tensor first = x <= y;
  return binary(
      a, [&] { return masked(first, g); }, [&] { return masked(logical_not(first), g); });
}

/// A unary op's gradient: its definition's vjp (runtime/unary_ops.h).
template <OpId op>
Grads unary_vjp(const VjpArgs& a) {
  return {UnaryOpDef<op>::vjp(a.inputs[0], a.outputs[0], a.grads[0])};
}
template <OpId op>
constexpr GradientRule unary_rule() {
  if constexpr (UnaryOpDef<op>::differentiable)
    return GradientRule{&unary_vjp<op>};
  else
    return kNotDifferentiable;
}

Grads where_vjp(const VjpArgs& a) {
  const Tensor &c = a.inputs[0], &g = a.grads[0];
  Grads out(3);
  if (a.needed[1]) out[1] = unbroadcast(masked(c, g), a.inputs[1]);
  if (a.needed[2]) out[2] = unbroadcast(masked(logical_not(c), g), a.inputs[2]);
  return out;
}
Grads cast_vjp(const VjpArgs& a) {
  const Tensor& x = a.inputs[0];
  if (!is_floating(x.dtype())) return {Tensor()};
  return {cast(a.grads[0], x.dtype())};
}

}  // namespace

const GradientRule grad_add{&add_vjp};
const GradientRule grad_subtract{&subtract_vjp};
const GradientRule grad_multiply{&multiply_vjp};
const GradientRule grad_divide{&divide_vjp};
const GradientRule grad_pow{&pow_vjp};
const GradientRule grad_maximum{&maximum_vjp};
const GradientRule grad_minimum{&minimum_vjp};
const GradientRule grad_equal = kNotDifferentiable;
const GradientRule grad_not_equal = kNotDifferentiable;
const GradientRule grad_less = kNotDifferentiable;
const GradientRule grad_less_equal = kNotDifferentiable;
const GradientRule grad_greater = kNotDifferentiable;
const GradientRule grad_greater_equal = kNotDifferentiable;
const GradientRule grad_logical_and = kNotDifferentiable;
const GradientRule grad_logical_or = kNotDifferentiable;
#define KILN_UNARY_GRADIENT(name, family) \
  const GradientRule grad_##name = unary_rule<OpId::name>();
KILN_UNARY_OP_LIST(KILN_UNARY_GRADIENT)
#undef KILN_UNARY_GRADIENT
const GradientRule grad_where{&where_vjp};
const GradientRule grad_cast{&cast_vjp};

}  // namespace kiln::detail
