// The gradient rule of every op, indexed by OpId, and the broadcasting helper the rules
// share.
#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

const GradientRule& gradient_rule(OpId op) {
  // Taking the address of every grad_<name> makes a missing rule a link error.
  static const GradientRule* const table[] = {
#define KILN_GRADIENT_ENTRY(name, family) &grad_##name,
      KILN_OP_LIST(KILN_GRADIENT_ENTRY)
#undef KILN_GRADIENT_ENTRY
  };
  return *table[static_cast<size_t>(op)];
}

Tensor unbroadcast(const Tensor& g, const Tensor& like) {
  // A dynamic dimension may or may not have been broadcast (size 1 at run time): the
  // graph decides when it runs.
  if (has_dynamic_dims(g) || has_dynamic_dims(like)) return sum_to(g, like);
  const Shape& shape = shape_of(like);
  if (shape_of(g) == shape) return g;
  const int64_t lead = g.rank() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < g.rank(); ++i)
    if (i < lead || (shape[i - lead] == 1 && shape_of(g)[i] != 1)) axes.push_back(i);
  Tensor summed = axes.empty() ? g : sum(g, Axes(axes));
  return reshape(summed, shape);
}

Tensor reshape_like(const Tensor& t, const Tensor& like) {
  if (has_dynamic_dims(like)) return reshape(t, shape(like));
  return reshape(t, shape_of(like));
}

Tensor broadcast_like(const Tensor& t, const Tensor& like) {
  if (!has_dynamic_dims(like)) return broadcast_to(t, shape_of(like));
  // where's condition takes like's shape (true everywhere: x == x or x != x, NaN too),
  // and its branches broadcast to it, at run time.
  return where(logical_or(equal(like, like), not_equal(like, like)), t, t);
}

Tensor count_over(const Tensor& x, const std::vector<int64_t>& axes) {
  int64_t count = 1;
  Tensor dynamic;  // the product of the dynamic sizes, if any
  for (int64_t axis : axes) {
    if (x.shape().is_static(static_cast<size_t>(axis))) {
      count *= shape_of(x)[static_cast<size_t>(axis)];
      continue;
    }
    Tensor d = dim(x, axis);
    dynamic = dynamic.defined() ? dynamic * d : d;
  }
  Tensor n = full({}, static_cast<double>(count), x.dtype(), x.device());
  return dynamic.defined() ? n * cast(dynamic, x.dtype()) : n;
}

}  // namespace kiln::detail
