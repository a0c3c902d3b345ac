// The gradient rule of every op, indexed by OpId, and the broadcasting helper the rules
// share.
#include "compiler/gradients.h"
#include "kiln/ops.h"

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

Tensor unbroadcast(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.rank() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < g.rank(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) axes.push_back(i);
  Tensor summed = axes.empty() ? g : sum(g, Axes(axes));
  return reshape(summed, shape);
}

}  // namespace kiln::detail
