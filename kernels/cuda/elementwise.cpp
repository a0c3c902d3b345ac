// Launchers of the elementwise kernels (elementwise.cu).
#include <string>

#include "kernels/elementwise.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/op_codes.h"

namespace kiln::kernels::cuda {

// Both enumerations come from runtime/op_list.h; every code is checked anyway.
#define KILN_CHECK_UNARY_CODE(name, family) \
  static_assert(static_cast<int>(UnaryOp::name) == kUnary_##name, "unary op code of " #name);
#define KILN_CHECK_BINARY_CODE(name, family) \
  static_assert(static_cast<int>(BinaryOp::name) == kBinary_##name, "binary op code of " #name);
KILN_UNARY_OP_LIST(KILN_CHECK_UNARY_CODE)
KILN_BINARY_OP_LIST(KILN_CHECK_BINARY_CODE)
#undef KILN_CHECK_UNARY_CODE
#undef KILN_CHECK_BINARY_CODE

void unary(int op, const Tensor& x, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  auto& device = device_of(out);
  Indexing ix = broadcast_indexing(out.shape(), {x.shape()});
  void* fn = kernel(device, Family::elementwise, std::string("kiln_unary_") + suffix(x.dtype()));
  launch(device, fn, elementwise_shape(device, n), op, ix, n, address(out), address(x));
}

void binary(int op, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  auto& device = device_of(out);
  Indexing ix = broadcast_indexing(out.shape(), {a.shape(), b.shape()});
  void* fn = kernel(device, Family::elementwise, std::string("kiln_binary_") + suffix(a.dtype()));
  launch(device, fn, elementwise_shape(device, n), op, ix, n, address(out), address(a), address(b));
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  auto& device = device_of(out);
  Indexing ix = broadcast_indexing(out.shape(), {cond.shape(), a.shape(), b.shape()});
  void* fn = kernel(device, Family::elementwise, std::string("kiln_where_") + suffix(out.dtype()));
  launch(device, fn, elementwise_shape(device, n), ix, n, address(out), address(cond), address(a),
         address(b));
}

void cast(const Tensor& x, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  auto& device = device_of(out);
  void* fn = kernel(device, Family::elementwise,
                    std::string("kiln_cast_") + suffix(x.dtype()) + "_" + suffix(out.dtype()));
  launch(device, fn, elementwise_shape(device, n), n, address(out), address(x));
}

}  // namespace kiln::kernels::cuda
