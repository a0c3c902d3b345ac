// Elementwise ops: binary (with broadcasting and scalar operands), unary, where, cast.
#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "kernels/elementwise.h"
#include "runtime/tensor_impl.h"
#include "runtime/binary_ops.h"
#include "runtime/unary_ops.h"

namespace kiln {
namespace {

using detail::CallSite;
using kernels::BinaryOp;
using kernels::UnaryOp;
using rules::ElementwiseKind;

/// A binary op: what it accepts is its definition's kind (runtime/binary_ops.h).
template <OpId op>
Tensor run_binary(const CallSite& site, const Tensor& a, const Tensor& b) {
  const Device device = detail::check_operands(site, {&a, &b});
  auto type = detail::unwrap(
      site, rules::binary(BinaryOpDef<op>::kind, detail::type_of(a), detail::type_of(b)), {&a, &b});
  constexpr BinaryOp kernel = kernels::binary_kernel_op(op);
  return detail::apply_kernel1(site, {&a, &b}, {}, type, device,
                               [&](const Tensor& out) { kernels::binary(kernel, a, b, out); });
}

/// A binary op with a scalar operand, which takes the tensor's dtype.
template <OpId op>
Tensor with_scalar(const CallSite& site, const Tensor& a, Scalar b, bool scalar_first) {
  const Device device = detail::check_operands(site, {&a});
  Tensor s = detail::scalar_tensor(site, b, a.dtype(), device);
  return scalar_first ? run_binary<op>(site, s, a) : run_binary<op>(site, a, s);
}

Tensor run_unary(const CallSite& site, UnaryOp op, ElementwiseKind kind, const Tensor& x) {
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::unary(kind, detail::type_of(x)), {&x});
  return detail::apply_kernel1(site, {&x}, {}, type, device,
                               [&](const Tensor& out) { kernels::unary(op, x, out); });
}

}  // namespace

// The operators are their ops without a source location (an operator has no defaults).
#define KILN_DEFINE_OPERATOR(sym, name)                                                 \
  Tensor operator sym(const Tensor& a, const Tensor& b) {                               \
    return run_binary<OpId::name>({#name}, a, b);                                       \
  }                                                                                     \
  Tensor operator sym(const Tensor& a, Scalar b) {                                      \
    return with_scalar<OpId::name>({#name}, a, b, /*scalar_first=*/false);              \
  }                                                                                     \
  Tensor operator sym(Scalar a, const Tensor& b) {                                      \
    return with_scalar<OpId::name>({#name}, b, a, /*scalar_first=*/true);               \
  }
KILN_DEFINE_OPERATOR(+, add)
KILN_DEFINE_OPERATOR(-, subtract)
KILN_DEFINE_OPERATOR(*, multiply)
KILN_DEFINE_OPERATOR(/, divide)
KILN_DEFINE_OPERATOR(<, less)
KILN_DEFINE_OPERATOR(<=, less_equal)
KILN_DEFINE_OPERATOR(>, greater)
KILN_DEFINE_OPERATOR(>=, greater_equal)
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

// The binary ops, one per entry of KILN_BINARY_OP_LIST, each with scalar operands on either
// side: the definitions name kiln::<op>, so an op without its declarations in kiln/ops.h
// fails to compile here.
#define KILN_DEFINE_BINARY(name, family)                                       \
  kiln::Tensor kiln::name(const Tensor& a, const Tensor& b, Loc loc) {         \
    return run_binary<OpId::name>({#name, &loc}, a, b);                        \
  }                                                                            \
  kiln::Tensor kiln::name(const Tensor& a, Scalar b, Loc loc) {                \
    return with_scalar<OpId::name>({#name, &loc}, a, b, /*scalar_first=*/false); \
  }                                                                            \
  kiln::Tensor kiln::name(Scalar a, const Tensor& b, Loc loc) {                \
    return with_scalar<OpId::name>({#name, &loc}, b, a, /*scalar_first=*/true);  \
  }
KILN_BINARY_OP_LIST(KILN_DEFINE_BINARY)
#undef KILN_DEFINE_BINARY

// The unary ops, one per entry of KILN_UNARY_OP_LIST: the definition names kiln::<op>, so
// an op without its declaration in kiln/ops.h fails to compile here.
#define KILN_DEFINE_UNARY(name, family)                                                   \
  kiln::Tensor kiln::name(const Tensor& x, Loc loc) {                                     \
    return run_unary({#name, &loc}, kernels::UnaryOp::name, UnaryOpDef<OpId::name>::kind, x); \
  }
KILN_UNARY_OP_LIST(KILN_DEFINE_UNARY)
#undef KILN_DEFINE_UNARY
