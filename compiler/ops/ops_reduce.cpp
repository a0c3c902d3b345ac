// Reductions: sum, mean, max, min over axes; argmax, argmin and cumsum along one axis.
#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "kernels/reduce.h"
#include "runtime/tensor_impl.h"

namespace kiln {
namespace {

using detail::CallSite;

Tensor run_reduce(const CallSite& site, kernels::ReduceOp op, const Tensor& x, const Axes& axes,
                  bool keepdims) {
  const Device device = detail::check_operands(site, {&x});
  auto norm = detail::unwrap(site, rules::normalize_axes(axes, x.rank()), {&x});
  auto type = detail::unwrap(site, rules::reduce(op, detail::type_of(x), norm, keepdims), {&x});
  int64_t count = 1;  // 0 when a reduced axis is empty (-1: dynamic, checked when it runs)
  for (int64_t a : norm) count *= detail::shape_of(x)[a] == 0 ? 0 : 1;
  if (count == 0 && x.numel() == 0 && !(op == kernels::ReduceOp::sum) &&
      !(op == kernels::ReduceOp::mean && is_floating(x.dtype())))
    detail::throw_op_error(site, "cannot reduce over a zero-sized axis (the result has no value)", {&x});
  return detail::apply_kernel1(site, {&x}, {{"axes", norm}, {"keepdims", keepdims}}, type, device,
                               [&](const Tensor& out) { kernels::reduce(op, x, norm, out); });
}

}  // namespace

Tensor sum(const Tensor& x, Axes axes, bool keepdims, Loc loc) {
  return run_reduce({"sum", &loc}, kernels::ReduceOp::sum, x, axes, keepdims);
}
Tensor mean(const Tensor& x, Axes axes, bool keepdims, Loc loc) {
  return run_reduce({"mean", &loc}, kernels::ReduceOp::mean, x, axes, keepdims);
}
Tensor max(const Tensor& x, Axes axes, bool keepdims, Loc loc) {
  return run_reduce({"max", &loc}, kernels::ReduceOp::max, x, axes, keepdims);
}
Tensor min(const Tensor& x, Axes axes, bool keepdims, Loc loc) {
  return run_reduce({"min", &loc}, kernels::ReduceOp::min, x, axes, keepdims);
}

namespace {
Tensor arg_extreme(const CallSite& site, const Tensor& x, int64_t axis, bool keepdims,
                   bool largest) {
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::argmax(detail::type_of(x), axis, keepdims), {&x});
  if (axis < 0) axis += x.rank();
  return detail::apply_kernel1(site, {&x}, {{"axis", axis}, {"keepdims", keepdims}}, type, device,
                               [&](const Tensor& out) {
                                 kernels::arg_extreme(x, axis, largest, out);
                               });
}
}  // namespace

Tensor argmax(const Tensor& x, int64_t axis, bool keepdims, Loc loc) {
  return arg_extreme({"argmax", &loc}, x, axis, keepdims, true);
}
Tensor argmin(const Tensor& x, int64_t axis, bool keepdims, Loc loc) {
  return arg_extreme({"argmin", &loc}, x, axis, keepdims, false);
}

Tensor cumsum(const Tensor& x, int64_t axis, bool reverse, Loc loc) {
  CallSite site{"cumsum", &loc};
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::cumsum(detail::type_of(x), axis), {&x});
  if (axis < 0) axis += x.rank();
  return detail::apply_kernel1(site, {&x}, {{"axis", axis}, {"reverse", reverse}}, type, device,
                               [&](const Tensor& out) {
                                 kernels::cumsum(x, axis, reverse, out);
                               });
}

}  // namespace kiln
