// Gradients (vector-Jacobian products) of the ops, written with kiln ops so the same rule
// runs eagerly and, while tracing, becomes part of the graph.
//
// Every op of runtime/op_list.h has a rule `grad_<name>` (one per op; a missing one is a
// link error): a VJP, or kNotDifferentiable for ops whose outputs carry no gradient
// (factories, comparisons, integer results, effects). The rules live in grad_*.cpp beside
// the op functions of the same family.
#pragma once

#include <vector>

#include "compiler/ops/attrs.h"
#include "kiln/tensor.h"
#include "runtime/op_list.h"

namespace kiln::detail {

struct VjpArgs {
  const std::vector<Tensor>& inputs;
  const std::vector<Tensor>& outputs;
  const Attrs& attrs;
  const std::vector<Tensor>& grads;  // one per output, always defined
  const std::vector<bool>& needed;   // per input: whether its gradient is wanted
};

/// Returns one gradient per input, each of the input's shape and dtype; an undefined
/// tensor where the input gets none (not needed, or not differentiable).
using Vjp = std::vector<Tensor> (*)(const VjpArgs&);

struct GradientRule {
  Vjp vjp = nullptr;  // null: not differentiable
};
inline constexpr GradientRule kNotDifferentiable{};

#define KILN_DECLARE_GRADIENT(name, family) extern const GradientRule grad_##name;
KILN_OP_LIST(KILN_DECLARE_GRADIENT)
#undef KILN_DECLARE_GRADIENT

/// The rule of an op, by id.
const GradientRule& gradient_rule(OpId op);

// Helpers the rules share. Each works for dynamic dimensions too (traced under an
// input_signature with -1): where a size is needed and unknown while tracing, the graph
// computes it at run time (kiln.shape, kiln.sum_to) rather than baking in a number.

/// Sums `g` down to `like`'s shape, undoing NumPy broadcasting (leading axes and size-1
/// axes); only like's shape is read.
Tensor unbroadcast(const Tensor& g, const Tensor& like);
/// `t` (whose element count is like's) reshaped to like's shape.
Tensor reshape_like(const Tensor& t, const Tensor& like);
/// `t` broadcast to like's shape.
Tensor broadcast_like(const Tensor& t, const Tensor& like);
/// The number of elements of x over `axes`, as a scalar of x's dtype (for means).
Tensor count_over(const Tensor& x, const std::vector<int64_t>& axes);

}  // namespace kiln::detail
