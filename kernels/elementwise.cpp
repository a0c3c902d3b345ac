// The device-neutral elementwise entry points: the output's device picks the backend.
#include "kernels/elementwise.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kiln/error.h"
#include "runtime/dispatch.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels {
namespace {

/// Integer division by zero and integer powers with negative exponents, refused before
/// anything is computed, on every device (a device's divisors come back to the host).
void check_integer_operands(BinaryOp op, const Tensor& a, const Tensor& b) {
  if (!is_integer(a.dtype()) || (op != BinaryOp::divide && op != BinaryOp::pow)) return;
  Tensor host = detail::to_host(b);
  dispatch_dtype(a.dtype(), [&]<class T>() {
    const T* p = detail::data<T>(host);
    for (int64_t i = 0; i < host.numel(); ++i) {
      if (op == BinaryOp::divide && p[i] == 0) throw Error("[divide] integer division by zero");
      if (op == BinaryOp::pow && p[i] < 0)
        throw Error("[pow] integers to negative integer powers are not allowed");
    }
  });
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
