// Elementwise ops: binary (with broadcasting and scalar operands), unary, where, cast.
#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "kernels/elementwise.h"
#include "runtime/tensor_impl.h"
#include "runtime/unary_ops.h"

namespace kiln {
namespace {

using detail::CallSite;
using kernels::BinaryOp;
using kernels::UnaryOp;
using rules::ElementwiseKind;

Tensor run_binary(const CallSite& site, BinaryOp op, ElementwiseKind kind, const Tensor& a,
                  const Tensor& b) {
  const Device device = detail::check_operands(site, {&a, &b});
  auto type = detail::unwrap(site, rules::binary(kind, detail::type_of(a), detail::type_of(b)),
                             {&a, &b});
  return detail::apply_kernel1(site, {&a, &b}, {}, type, device,
                               [&](const Tensor& out) { kernels::binary(op, a, b, out); });
}

Tensor with_scalar(const CallSite& site, BinaryOp op, ElementwiseKind kind, const Tensor& a,
                   Scalar b, bool scalar_first) {
  const Device device = detail::check_operands(site, {&a});
  Tensor s = detail::scalar_tensor(site, b, a.dtype(), device);
  return scalar_first ? run_binary(site, op, kind, s, a) : run_binary(site, op, kind, a, s);
}

Tensor run_unary(const CallSite& site, UnaryOp op, ElementwiseKind kind, const Tensor& x) {
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::unary(kind, detail::type_of(x)), {&x});
  return detail::apply_kernel1(site, {&x}, {}, type, device,
                               [&](const Tensor& out) { kernels::unary(op, x, out); });
}

}  // namespace

#define KILN_DEFINE_BINARY(name, kind)                                                     \
  Tensor name(const Tensor& a, const Tensor& b, Loc loc) {                                 \
    return run_binary({#name, &loc}, BinaryOp::name, ElementwiseKind::kind, a, b);         \
  }                                                                                        \
  Tensor name(const Tensor& a, Scalar b, Loc loc) {                                        \
    return with_scalar({#name, &loc}, BinaryOp::name, ElementwiseKind::kind, a, b, false); \
  }                                                                                        \
  Tensor name(Scalar a, const Tensor& b, Loc loc) {                                        \
    return with_scalar({#name, &loc}, BinaryOp::name, ElementwiseKind::kind, b, a, true);  \
  }
KILN_DEFINE_BINARY(add, arithmetic)
KILN_DEFINE_BINARY(subtract, arithmetic)
KILN_DEFINE_BINARY(multiply, arithmetic)
KILN_DEFINE_BINARY(divide, arithmetic)
KILN_DEFINE_BINARY(pow, arithmetic)
KILN_DEFINE_BINARY(maximum, arithmetic)
KILN_DEFINE_BINARY(minimum, arithmetic)
KILN_DEFINE_BINARY(equal, compare)
KILN_DEFINE_BINARY(not_equal, compare)
KILN_DEFINE_BINARY(less, compare)
KILN_DEFINE_BINARY(less_equal, compare)
KILN_DEFINE_BINARY(greater, compare)
KILN_DEFINE_BINARY(greater_equal, compare)
KILN_DEFINE_BINARY(logical_and, logical)
KILN_DEFINE_BINARY(logical_or, logical)
#undef KILN_DEFINE_BINARY

#define KILN_DEFINE_OPERATOR(sym, name, kind)                                    \
  Tensor operator sym(const Tensor& a, const Tensor& b) {                        \
    return run_binary({#name}, BinaryOp::name, ElementwiseKind::kind, a, b);      \
  }                                                                              \
  Tensor operator sym(const Tensor& a, Scalar b) {                               \
    return with_scalar({#name}, BinaryOp::name, ElementwiseKind::kind, a, b, false); \
  }                                                                              \
  Tensor operator sym(Scalar a, const Tensor& b) {                               \
    return with_scalar({#name}, BinaryOp::name, ElementwiseKind::kind, b, a, true); \
  }
KILN_DEFINE_OPERATOR(+, add, arithmetic)
KILN_DEFINE_OPERATOR(-, subtract, arithmetic)
KILN_DEFINE_OPERATOR(*, multiply, arithmetic)
KILN_DEFINE_OPERATOR(/, divide, arithmetic)
KILN_DEFINE_OPERATOR(<, less, compare)
KILN_DEFINE_OPERATOR(<=, less_equal, compare)
KILN_DEFINE_OPERATOR(>, greater, compare)
KILN_DEFINE_OPERATOR(>=, greater_equal, compare)
#undef KILN_DEFINE_OPERATOR

Tensor operator-(const Tensor& x) {
  return run_unary({"negative"}, UnaryOp::negative, UnaryOpDef<OpId::negative>::kind, x);
}


Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, Loc loc) {
  CallSite site{"where", &loc};
  const Device device = detail::check_operands(site, {&cond, &a, &b});
  auto type = detail::unwrap(
      site, rules::where(detail::type_of(cond), detail::type_of(a), detail::type_of(b)),
      {&cond, &a, &b});
  return detail::apply_kernel1(site, {&cond, &a, &b}, {}, type, device,
                               [&](const Tensor& out) { kernels::where(cond, a, b, out); });
}

Tensor cast(const Tensor& x, DType dtype, Loc loc) {
  CallSite site{"cast", &loc};
  const Device device = detail::check_operands(site, {&x});
  if (x.dtype() == dtype) return x;  // tensors are immutable: sharing is safe
  // The result type carries the dtype (kiln.cast has no attribute).
  return detail::apply_kernel1(site, {&x}, {}, {dtype, detail::shape_of(x)}, device,
                               [&](const Tensor& out) { kernels::cast(x, out); });
}

Tensor Tensor::astype(DType dtype) const { return cast(*this, dtype); }

}  // namespace kiln

// The unary ops, one per entry of KILN_UNARY_OP_LIST: the definition names kiln::<op>, so
// an op without its declaration in kiln/ops.h fails to compile here.
#define KILN_DEFINE_UNARY(name, family)                                                   \
  kiln::Tensor kiln::name(const Tensor& x, Loc loc) {                                     \
    return run_unary({#name, &loc}, kernels::UnaryOp::name, UnaryOpDef<OpId::name>::kind, x); \
  }
KILN_UNARY_OP_LIST(KILN_DEFINE_UNARY)
#undef KILN_DEFINE_UNARY
