// Shape ops: reshape, transpose, broadcast_to, expand_dims, squeeze, slice, concat,
// gather, one_hot, index_update.
#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "kernels/layout.h"
#include "runtime/tensor_impl.h"

namespace kiln {

using detail::CallSite;

Tensor reshape(const Tensor& x, Shape shape, Loc loc) {
  CallSite site{"reshape", &loc};
  detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::reshape(detail::type_of(x), shape), {&x});
  return detail::apply_op1(site, {&x}, {{"shape", type.shape}}, type, [&] {
    return detail::view(x, type.shape);  // contiguous storage: a reshape shares it
  });
}

Tensor transpose(const Tensor& x, std::vector<int64_t> perm, Loc loc) {
  CallSite site{"transpose", &loc};
  const Device device = detail::check_operands(site, {&x});
  if (perm.empty())
    for (int64_t i = x.rank(); i-- > 0;) perm.push_back(i);
  auto type = detail::unwrap(site, rules::transpose(detail::type_of(x), perm), {&x});
  return detail::apply_kernel1(site, {&x}, {{"perm", perm}}, type, device,
                               [&](const Tensor& out) { kernels::permute_into(x, perm, out); });
}

Tensor broadcast_to(const Tensor& x, Shape shape, Loc loc) {
  CallSite site{"broadcast_to", &loc};
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::broadcast_to(detail::type_of(x), shape), {&x});
  if (type.shape == detail::shape_of(x)) return x;
  return detail::apply_kernel1(site, {&x}, {{"shape", type.shape}}, type, device,
                               [&](const Tensor& out) { kernels::broadcast_into(x, out); });
}

Tensor expand_dims(const Tensor& x, int64_t axis, Loc loc) {
  CallSite site{"expand_dims", &loc};
  detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::expand_dims(detail::type_of(x), axis), {&x});
  if (axis < 0) axis += x.rank() + 1;
  return detail::apply_op1(site, {&x}, {{"axis", axis}}, type,
                           [&] { return detail::view(x, type.shape); });
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
  std::vector<int64_t> removed;
  if (!axes.all())
    removed = *rules::normalize_axes(axes, x.rank());  // checked by the rule
  else
    for (int64_t i = 0; i < x.rank(); ++i)
      if (x.shape()[i] == 1) removed.push_back(i);
  return detail::apply_op1(site, {&x}, {{"axes", removed}}, type,
                           [&] { return detail::view(x, type.shape); });
}

Tensor slice(const Tensor& x, std::vector<int64_t> begin, std::vector<int64_t> end, Loc loc) {
  CallSite site{"slice", &loc};
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::slice(detail::type_of(x), begin, end), {&x});
  return detail::apply_kernel1(site, {&x}, {{"begin", begin}, {"end", end}}, type, device,
                               [&](const Tensor& out) { kernels::slice_into(x, begin, out); });
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis, Loc loc) {
  CallSite site{"concat", &loc};
  std::vector<rules::TensorType> types;
  Device device;
  for (const Tensor& x : xs) {
    const Device d = detail::check_operands(site, {&x});
    if (&x != &xs.front() && d != device)
      detail::throw_op_error(site,
                             "operands on different devices, " + to_string(device) + " and " +
                                 to_string(d) + ": move them to one device with .to(device) first",
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
  return detail::apply_op1(site, operands, {{"axis", axis}}, *type, [&] {
    Tensor out = detail::empty(type->dtype, type->shape, device);
    kernels::concat_into(xs, axis, out);
    return out;
  });
}

Tensor gather(const Tensor& x, const Tensor& indices, int64_t axis, Loc loc) {
  CallSite site{"gather", &loc};
  const Device device = detail::check_operands(site, {&x, &indices});
  auto type = detail::unwrap(
      site, rules::gather(detail::type_of(x), detail::type_of(indices), axis), {&x, &indices});
  if (axis < 0) axis += x.rank();
  return detail::apply_kernel1(
      site, {&x, &indices}, {{"axis", axis}}, type, device,
      [&](const Tensor& out) { kernels::gather_into(x, indices, axis, out); });
}

Tensor index_update(const Tensor& x, const Tensor& index, const Tensor& value, int64_t axis,
                    Loc loc) {
  CallSite site{"index_update", &loc};
  const Device device = detail::check_operands(site, {&x, &index, &value});
  auto type = detail::unwrap(
      site,
      rules::index_update(detail::type_of(x), detail::type_of(index), detail::type_of(value), axis),
      {&x, &index, &value});
  if (axis < 0) axis += x.rank();
  return detail::apply_kernel1(
      site, {&x, &index, &value}, {{"axis", axis}}, type, device,
      [&](const Tensor& out) { kernels::index_update_into(x, index, value, axis, out); });
}

Tensor one_hot(const Tensor& indices, int64_t depth, DType dtype, Loc loc) {
  CallSite site{"one_hot", &loc};
  const Device device = detail::check_operands(site, {&indices});
  auto type =
      detail::unwrap(site, rules::one_hot(detail::type_of(indices), depth, dtype), {&indices});
  return detail::apply_kernel1(
      site, {&indices}, {{"depth", depth}, {"dtype", dtype}}, type, device,
      [&](const Tensor& out) { kernels::one_hot_into(indices, depth, out); });
}

}  // namespace kiln
