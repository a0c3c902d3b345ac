// Gradients of the elementwise ops (ops_elementwise.cpp). Broadcasting is undone by
// summing back to each operand's shape; comparisons and logical ops have no gradient.
#include <utility>

#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"
#include "runtime/binary_ops.h"
#include "runtime/unary_ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

using unary_detail::masked;  // g where a mask holds, zero elsewhere (runtime/unary_ops.h)

/// Where a binary op's vjp (runtime/binary_ops.h) puts its two partial gradients: each
/// computed only if its operand needs one, then summed back to the operand's shape.
class BinaryGrads {
 public:
  explicit BinaryGrads(const VjpArgs& a) : a_(a), out_(2) {}
  template <class F>
  void lhs(F&& f) {
    set(0, std::forward<F>(f));
  }
  template <class F>
  void rhs(F&& f) {
    set(1, std::forward<F>(f));
  }
  Grads take() { return std::move(out_); }

 private:
  template <class F>
  void set(size_t i, F&& f) {
    if (a_.needed[i]) out_[i] = unbroadcast(f(), a_.inputs[i]);
  }

  const VjpArgs& a_;
  Grads out_;
};

template <OpId op>
Grads binary_vjp(const VjpArgs& a) {
  BinaryGrads grads(a);
  BinaryOpDef<op>::vjp(a.inputs[0], a.inputs[1], a.outputs[0], a.grads[0], grads);
  return grads.take();
}
template <OpId op>
constexpr GradientRule binary_rule() {
  if constexpr (BinaryOpDef<op>::differentiable)
    return GradientRule{&binary_vjp<op>};
  else
    return kNotDifferentiable;
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

#define KILN_BINARY_GRADIENT(name, family) \
  const GradientRule grad_##name = binary_rule<OpId::name>();
KILN_BINARY_OP_LIST(KILN_BINARY_GRADIENT)
#undef KILN_BINARY_GRADIENT
#define KILN_UNARY_GRADIENT(name, family) const GradientRule grad_##name = unary_rule<OpId::name>();
KILN_UNARY_OP_LIST(KILN_UNARY_GRADIENT)
#undef KILN_UNARY_GRADIENT
const GradientRule grad_where{&where_vjp};
const GradientRule grad_cast{&cast_vjp};

}  // namespace kiln::detail
