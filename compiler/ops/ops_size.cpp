// Sizes at run time: shape, dim, reshape to a tensor of sizes, sum_to. They make dynamic
// dimensions (input_signature's -1, reduce_retracing) usable in arithmetic without a host
// number that would be wrong for every other size: eagerly, and for static dimensions
// while tracing, they are constants; traced with dynamic ones they are graph values.
#include "compiler/autodiff/tape.h"
#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "compiler/trace/trace_api.h"
#include "kernels/reduce.h"
#include "runtime/tensor_impl.h"

namespace kiln {

using detail::CallSite;

Tensor shape(const Tensor& x, Loc loc) {
  CallSite site{"shape", &loc};
  const Device device = detail::check_operands(site, {&x});
  const rules::TensorType type = rules::shape(detail::type_of(x));
  if (detail::is_symbolic(x) && detail::has_dynamic_dims(x))
    if (auto t = detail::trace_op1(site, "shape", {&x}, {}, type)) return *t;
  // Every size is known: a constant (integer results carry no gradient).
  return Tensor::from(std::span<const int64_t>(detail::shape_of(x)), type.shape, device);
}

Tensor dim(const Tensor& x, int64_t axis, Loc loc) {
  CallSite site{"dim", &loc};
  const Device device = detail::check_operands(site, {&x});
  const int64_t a = detail::unwrap(site, rules::normalize_axis(axis, x.rank()), {&x});
  if (!x.shape().is_static(static_cast<size_t>(a)))
    return reshape(slice(shape(x, loc), {a}, {a + 1}, loc), Shape{}, loc);
  return Tensor::scalar<int64_t>(detail::shape_of(x)[static_cast<size_t>(a)], device);
}

template <class T>
requires std::same_as<T, Tensor> Tensor reshape(const Tensor& x, const T& shape, Loc loc) {
  CallSite site{"reshape", &loc};
  detail::check_operands(site, {&x, &shape});
  auto type = detail::unwrap(
      site, rules::dynamic_reshape(detail::type_of(x), detail::type_of(shape)), {&x, &shape});
  if (detail::is_symbolic(shape)) {
    if (auto t = detail::trace_op1(site, "dynamic_reshape", {&x, &shape}, {}, type)) return *t;
  }
  // The sizes are known now: the ordinary reshape (traced as such if x is symbolic).
  const Tensor sizes = cast(detail::to_host(shape), DType::i64, loc);
  return reshape(x, sizes.to_vector<int64_t>(), loc);
}
template Tensor reshape<Tensor>(const Tensor&, const Tensor&, Loc);

namespace {

/// sum_to of concrete tensors: like's shape is known. x's leading axes, and the axes where
/// like has size 1 and x does not, are summed; the result has like's shape (the layout of
/// keepdims).
Tensor sum_to_now(const CallSite& site, const Tensor& x, const Tensor& like,
                  const rules::TensorType& type, Device device) {
  const Shape& to = detail::shape_of(like);
  const Shape& from = detail::shape_of(x);
  const size_t lead = from.size() - to.size();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (to[i - lead] == 1 && from[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  for (size_t i = 0; i < to.size(); ++i)
    if (to[i] != 1 && to[i] != from[lead + i])
      detail::throw_op_error(site, shape_str(from) + " is not a broadcast of " + shape_str(to),
                             {&x, &like});
  if (axes.empty()) return detail::view(x, to);
  Tensor out = detail::empty(type.dtype, to, device);
  kernels::reduce(kernels::ReduceOp::sum, x, axes, out);
  return out;
}

}  // namespace

Tensor sum_to(const Tensor& x, const Tensor& like, Loc loc) {
  CallSite site{"sum_to", &loc};
  const Device device = detail::check_operands(site, {&x, &like});
  if (x.dtype() == DType::boolean)
    detail::throw_op_error(site, "boolean input is not supported; cast it first", {&x});
  auto type =
      detail::unwrap(site, rules::sum_to(detail::type_of(x), detail::type_of(like)), {&x, &like});
  return detail::apply_op1(site, {&x, &like}, {}, type,
                           [&] { return sum_to_now(site, x, like, type, device); });
}

}  // namespace kiln
