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
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void cast(const Tensor& x, const Tensor& out);

}  // namespace kiln::kernels
