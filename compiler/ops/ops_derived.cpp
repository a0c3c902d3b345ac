// Ops written in other ops (no kernel, gradient or lowering of their own: those of the ops
// they are made of serve, and fuse): full_like, zeros_like, ones_like, clip, tril, triu.
#include "compiler/autodiff/gradients.h"
#include "compiler/ops/op_support.h"
#include "runtime/tensor_impl.h"

namespace kiln {

using detail::CallSite;

Tensor full_like(const Tensor& x, Scalar value, Loc loc) {
  CallSite site{"full_like", &loc};
  detail::check_operands(site, {&x});
  // detail::broadcast_like sizes a dynamic shape at run time.
  return detail::broadcast_like(full({}, value, x.dtype(), x.device()), x);
}

Tensor zeros_like(const Tensor& x, Loc loc) {
  CallSite site{"zeros_like", &loc};
  return full_like(x, 0);
}

Tensor ones_like(const Tensor& x, Loc loc) {
  CallSite site{"ones_like", &loc};
  return full_like(x, 1);
}

Tensor clip(const Tensor& x, Scalar lo, Scalar hi, Loc loc) {
  CallSite site{"clip", &loc};
  return minimum(maximum(x, lo), hi);
}

Tensor clip(const Tensor& x, const Tensor& lo, const Tensor& hi, Loc loc) {
  CallSite site{"clip", &loc};
  return minimum(maximum(x, lo), hi);
}

namespace {

/// x where the diagonal offset j - i of its last two axes passes `keep`, zero elsewhere.
template <class Keep>
Tensor triangle(const CallSite& site, const Tensor& x, Keep keep) {
  detail::check_operands(site, {&x});
  if (x.rank() < 2)
    detail::throw_op_error(site, "needs at least 2 dimensions, got " + detail::describe(x), {&x});
  const Shape& shape = detail::shape_of(x);
  const int64_t rows = shape[shape.size() - 2], cols = shape.back();
  Tensor offset;  // j - i, broadcast against x
  if (rows >= 0 && cols >= 0) {
    // Static sizes: a (rows, cols) constant, made while tracing.
    offset = reshape(arange(cols), {1, cols}) - reshape(arange(rows), {rows, 1});
    if (x.device() != Device{}) offset = offset.to(x.device());
  } else {
    // Sizes known at run time: the indices are running counts of ones of x's shape.
    Tensor ones = cast(full_like(x, 1), DType::i64);
    offset = cumsum(ones, -1) - cumsum(ones, -2);
  }
  return where(keep(offset), x, zeros({}, x.dtype(), x.device()));
}

}  // namespace

Tensor tril(const Tensor& x, int64_t k, Loc loc) {
  CallSite site{"tril", &loc};
  return triangle(site, x, [k](const Tensor& offset) { return less_equal(offset, k); });
}

Tensor triu(const Tensor& x, int64_t k, Loc loc) {
  CallSite site{"triu", &loc};
  return triangle(site, x, [k](const Tensor& offset) { return greater_equal(offset, k); });
}

}  // namespace kiln
