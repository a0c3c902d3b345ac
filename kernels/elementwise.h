// Elementwise kernels, device-neutral: unary maps, binary ops with NumPy broadcasting,
// where, cast, for tensors of any device (kernels/elementwise.cpp picks kernels/cpu or
// kernels/cuda by the output's device). Outputs are preallocated by the caller with the
// shape the op's rule gave.
#pragma once

#include "kernels/elementwise_ops.h"
#include "kiln/tensor.h"
#include "runtime/op_list.h"

namespace kiln::kernels {

#define KILN_KERNEL_OP_ENUMERATOR(name, code) name,
enum class BinaryOp { KILN_BINARY_KERNEL_OPS(KILN_KERNEL_OP_ENUMERATOR) };
#undef KILN_KERNEL_OP_ENUMERATOR
/// The unary ops of runtime/op_list.h, in list order (the CUDA kernels number them alike).
#define KILN_UNARY_ENUMERATOR(name, family) name,
enum class UnaryOp { KILN_UNARY_OP_LIST(KILN_UNARY_ENUMERATOR) };
#undef KILN_UNARY_ENUMERATOR

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
