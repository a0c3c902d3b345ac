// Shape ops: reshape, transpose, broadcast_to, expand_dims, squeeze, slice, concat,
// gather, one_hot.
#include "compiler/ops/op_support.h"
#include "compiler/autodiff/tape.h"
#include "compiler/trace/trace_api.h"
#include "kernels/layout.h"
#include "runtime/tensor_impl.h"

namespace kiln {

using detail::CallSite;

Tensor reshape(const Tensor& x, Shape shape, Loc loc) {
  CallSite site{"reshape", &loc};
  detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::reshape(detail::type_of(x), shape), {&x});
  if (auto t = detail::trace_op1(site, "reshape", {&x}, {{"shape", type.shape}}, type)) return *t;
  Tensor out = detail::view(x, type.shape);  // contiguous storage: a reshape shares it
  if (detail::taping()) detail::record("reshape", {&x}, {{"shape", type.shape}}, {out});
  return out;
}

Tensor transpose(const Tensor& x, std::vector<int64_t> perm, Loc loc) {
  CallSite site{"transpose", &loc};
  const Device device = detail::check_operands(site, {&x});
  if (perm.empty())
    for (int64_t i = x.rank(); i-- > 0;) perm.push_back(i);
  auto type = detail::unwrap(site, rules::transpose(detail::type_of(x), perm), {&x});
  if (auto t = detail::trace_op1(site, "transpose", {&x}, {{"perm", perm}}, type)) return *t;
  Tensor out = detail::empty(type.dtype, type.shape, device);
  kernels::permute_into(x, perm, out);
  if (detail::taping()) detail::record("transpose", {&x}, {{"perm", perm}}, {out});
  return out;
}

Tensor broadcast_to(const Tensor& x, Shape shape, Loc loc) {
  CallSite site{"broadcast_to", &loc};
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::broadcast_to(detail::type_of(x), shape), {&x});
  if (type.shape == detail::shape_of(x)) return x;
  if (auto t = detail::trace_op1(site, "broadcast_to", {&x}, {{"shape", type.shape}}, type)) return *t;
  Tensor out = detail::empty(type.dtype, type.shape, device);
  kernels::broadcast_into(x, out);
  if (detail::taping()) detail::record("broadcast_to", {&x}, {{"shape", type.shape}}, {out});
  return out;
}

Tensor expand_dims(const Tensor& x, int64_t axis, Loc loc) {
  CallSite site{"expand_dims", &loc};
  detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::expand_dims(detail::type_of(x), axis), {&x});
  if (axis < 0) axis += x.rank() + 1;
  if (auto t = detail::trace_op1(site, "expand_dims", {&x}, {{"axis", axis}}, type)) return *t;
  Tensor out = detail::view(x, type.shape);
  if (detail::taping()) detail::record("expand_dims", {&x}, {{"axis", axis}}, {out});
  return out;
}

Tensor squeeze(const Tensor& x, Axes axes, Loc loc) {
  CallSite site{"squeeze", &loc};
  detail::check_operands(site, {&x});
  if (axes.all())  // which axes go depends on every size: a dynamic one has none yet
    for (int64_t i = 0; i < x.rank(); ++i)
      if (!x.shape().is_static(static_cast<size_t>(i)))
        detail::throw_op_error<detail::DynamicShapeError>(
            site,
            "squeeze() without axes of a tensor whose dimension " + std::to_string(i) +
                " is dynamic: whether it is 1 (and goes) is known only when the graph runs; "
                "name the axes to squeeze",
            {&x});
  auto type = detail::unwrap(site, rules::squeeze(detail::type_of(x), axes), {&x});
  if (detail::tracing()) {
    std::vector<int64_t> removed;
    if (!axes.all()) removed = *rules::normalize_axes(axes, x.rank());  // checked by the rule
    else
      for (int64_t i = 0; i < x.rank(); ++i)
        if (x.shape()[i] == 1) removed.push_back(i);
    if (auto t = detail::trace_op1(site, "squeeze", {&x}, {{"axes", removed}}, type)) return *t;
  }
  Tensor out = detail::view(x, type.shape);
  detail::record1("squeeze", {&x}, {}, out);  // its gradient needs no attribute
  return out;
}

Tensor slice(const Tensor& x, std::vector<int64_t> begin, std::vector<int64_t> end, Loc loc) {
  CallSite site{"slice", &loc};
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::slice(detail::type_of(x), begin, end), {&x});
  if (auto t = detail::trace_op1(site, "slice", {&x}, {{"begin", begin}, {"end", end}}, type)) return *t;
  Tensor out = detail::empty(type.dtype, type.shape, device);
  kernels::slice_into(x, begin, out);
  if (detail::taping()) detail::record("slice", {&x}, {{"begin", begin}, {"end", end}}, {out});
  return out;
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis, Loc loc) {
  CallSite site{"concat", &loc};
  std::vector<rules::TensorType> types;
  Device device;
  for (const Tensor& x : xs) {
    const Device d = detail::check_operands(site, {&x});
    if (&x != &xs.front() && d != device)
      detail::throw_op_error(site,
                             "operands on different devices, " + to_string(device) + " and " + to_string(d) +
                                 ": move them to one device with .to(device) first",
                             {});
    device = d;
    types.push_back(detail::type_of(x));
  }
  auto type = rules::concat(types, axis);
  if (!type) {
    std::string operands;
    for (const Tensor& x : xs) operands += (operands.empty() ? "" : ", ") + detail::describe(x);
    detail::throw_op_error(site, type.error() + "; operands: " + operands, {});
  }
  if (axis < 0) axis += xs[0].rank();
  std::vector<const Tensor*> operands;
  for (const Tensor& x : xs) operands.push_back(&x);
  if (auto t = detail::trace_op1(site, "concat", operands, {{"axis", axis}}, *type)) return *t;
  Tensor out = detail::empty(type->dtype, type->shape, device);
  kernels::concat_into(xs, axis, out);
  if (detail::taping()) detail::record("concat", operands, {{"axis", axis}}, {out});
  return out;
}

Tensor gather(const Tensor& x, const Tensor& indices, int64_t axis, Loc loc) {
  CallSite site{"gather", &loc};
  const Device device = detail::check_operands(site, {&x, &indices});
  auto type = detail::unwrap(
      site, rules::gather(detail::type_of(x), detail::type_of(indices), axis), {&x, &indices});
  if (axis < 0) axis += x.rank();
  if (auto t = detail::trace_op1(site, "gather", {&x, &indices}, {{"axis", axis}}, type)) return *t;
  Tensor out = detail::empty(type.dtype, type.shape, device);
  detail::run_kernel(site, {&x, &indices}, [&] {
    kernels::gather_into(x, indices, axis, out);
  });
  if (detail::taping()) detail::record("gather", {&x, &indices}, {{"axis", axis}}, {out});
  return out;
}

Tensor one_hot(const Tensor& indices, int64_t depth, DType dtype, Loc loc) {
  CallSite site{"one_hot", &loc};
  const Device device = detail::check_operands(site, {&indices});
  auto type =
      detail::unwrap(site, rules::one_hot(detail::type_of(indices), depth, dtype), {&indices});
  if (auto t = detail::trace_op1(site, "one_hot", {&indices}, {{"depth", depth}, {"dtype", dtype}}, type))
    return *t;
  Tensor out = detail::empty(type.dtype, type.shape, device);
  kernels::one_hot_into(indices, depth, out);
  return out;
}

}  // namespace kiln
