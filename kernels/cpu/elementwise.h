// Eager and runtime elementwise kernels: unary maps, binary ops with NumPy broadcasting,
// where, cast. Outputs are preallocated by the caller with the shape the op's rule gave.
#pragma once

#include "kiln/tensor.h"

namespace kiln::kernels {

enum class UnaryOp { negative, abs, relu, exp, log, sqrt, rsqrt, tanh, sigmoid, gelu, sin, cos,
                     erf, logical_not };
enum class BinaryOp { add, subtract, multiply, divide, pow, maximum, minimum, equal, not_equal,
                      less, less_equal, greater, greater_equal, logical_and, logical_or };

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
