// The elementwise ops the kernels of both devices implement, one list each: the CPU's
// kernels::UnaryOp/BinaryOp and the CUDA kernels' op codes are made from these lists, so
// their numbering agrees by construction. Plain C++ with no includes: nvcc reads it too.
//
// X(name, code): the CPU enumerator and the CUDA code of one op.
#pragma once

#define KILN_UNARY_KERNEL_OPS(X)                                                         \
  X(negative, kNegative) X(abs, kAbs) X(relu, kRelu) X(exp, kExp) X(log, kLog)           \
  X(sqrt, kSqrt) X(rsqrt, kRsqrt) X(tanh, kTanh) X(sigmoid, kSigmoid) X(gelu, kGelu)     \
  X(sin, kSin) X(cos, kCos) X(erf, kErf) X(logical_not, kLogicalNot)

// The comparisons and logical ops (boolean results) come last: kernels test `>= equal`.
#define KILN_BINARY_KERNEL_OPS(X)                                                        \
  X(add, kAdd) X(subtract, kSubtract) X(multiply, kMultiply) X(divide, kDivide)          \
  X(pow, kPow) X(maximum, kMaximum) X(minimum, kMinimum) X(equal, kEqual)                \
  X(not_equal, kNotEqual) X(less, kLess) X(less_equal, kLessEqual) X(greater, kGreater)  \
  X(greater_equal, kGreaterEqual) X(logical_and, kLogicalAnd) X(logical_or, kLogicalOr)
