// The device-neutral elementwise entry points: the output's device picks the backend.
#include "kernels/elementwise.h"

#include <string>

#include "kernels/cpu/elementwise.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kiln/error.h"
#include "runtime/binary_ops.h"
#include "runtime/dispatch.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels {
namespace {

/// The integer right operands an op refuses (BinaryOpDef::refusal: division by zero,
/// negative powers), checked before anything is computed, on every device (a device's
/// operands come back to the host).
template <OpId op>
void check_integer_operands(const Tensor& a, const Tensor& b) {
  using Def = BinaryOpDef<op>;
  if constexpr (Def::checks_integers) {
    if (!is_integer(a.dtype())) return;
    Tensor host = detail::to_host(b);
    dispatch_dtype(a.dtype(), [&]<class T>() {
      const T* p = detail::data<T>(host);
      for (int64_t i = 0; i < host.numel(); ++i)
        if (const char* why = Def::refusal(p[i]))
          throw Error(std::string("[") + kOps[static_cast<int>(op)].name + "] " + why);
    });
  }
}

void check_integer_operands(BinaryOp op, const Tensor& a, const Tensor& b) {
  switch (op) {
#define KILN_BINARY_CASE(name, family) \
  case BinaryOp::name:                 \
    return check_integer_operands<OpId::name>(a, b);
    KILN_BINARY_OP_LIST(KILN_BINARY_CASE)
#undef KILN_BINARY_CASE
  }
}

}  // namespace

void unary(UnaryOp op, const Tensor& x, const Tensor& out) {
  if (cuda::on_cuda(out)) return cuda::unary(static_cast<int>(op), x, out);
  cpu::unary(op, x, out);
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  check_integer_operands(op, a, b);
  if (cuda::on_cuda(out)) return cuda::binary(static_cast<int>(op), a, b, out);
  cpu::binary(op, a, b, out);
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (cuda::on_cuda(out)) return cuda::where(cond, a, b, out);
  cpu::where(cond, a, b, out);
}

void cast(const Tensor& x, const Tensor& out) {
  if (cuda::on_cuda(out)) return cuda::cast(x, out);
  cpu::cast(x, out);
}

}  // namespace kiln::kernels
