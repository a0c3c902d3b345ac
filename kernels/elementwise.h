// Elementwise kernels, device-neutral: unary maps, binary ops with NumPy broadcasting,
// where, cast, for tensors of any device (kernels/elementwise.cpp picks kernels/cpu or
// kernels/cuda by the output's device). Outputs are preallocated by the caller with the
// shape the op's rule gave.
#pragma once

#include "kiln/tensor.h"
#include "runtime/op_list.h"

namespace kiln::kernels {

/// The binary and unary ops of runtime/op_list.h, in list order (the CUDA kernels' op codes
/// number them alike).
#define KILN_BINARY_ENUMERATOR(name, family) name,
enum class BinaryOp { KILN_BINARY_OP_LIST(KILN_BINARY_ENUMERATOR) };
#undef KILN_BINARY_ENUMERATOR
#define KILN_UNARY_ENUMERATOR(name, family) name,
enum class UnaryOp { KILN_UNARY_OP_LIST(KILN_UNARY_ENUMERATOR) };
#undef KILN_UNARY_ENUMERATOR

/// The kernel enumerator of a binary op of the op list (a compile error for another op in a
/// constant expression).
constexpr BinaryOp binary_kernel_op(OpId op) {
  switch (op) {
#define KILN_BINARY_CASE(name, family) \
  case OpId::name:                     \
    return BinaryOp::name;
    KILN_BINARY_OP_LIST(KILN_BINARY_CASE)
#undef KILN_BINARY_CASE
    default:
      __builtin_unreachable();
  }
}

void unary(UnaryOp op, const Tensor& x, const Tensor& out);
/// Throws kiln::Error for integer division by zero or a negative integer exponent.
/// `out` may share storage with an operand of its shape and dtype (in place): every element
/// is read before its index is written, and divisors are checked before anything is.
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);

/// Whether unary(op, x, out) may run with `out` sharing x's storage: all but sin and cos,
/// whose second pass reads the arguments again to redo huge ones in the C library.
constexpr bool unary_in_place(UnaryOp op) { return op != UnaryOp::sin && op != UnaryOp::cos; }
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void cast(const Tensor& x, const Tensor& out);

}  // namespace kiln::kernels
