// The binary elementwise ops the kernels of both devices implement: the CPU's
// kernels::BinaryOp and the CUDA kernels' op codes are made from this list, so their
// numbering agrees by construction (the unary ops: runtime/op_list.h). Plain C++ with no
// includes: nvcc reads it too.
//
// X(name, code): the CPU enumerator and the CUDA code of one op.
#pragma once

// The comparisons and logical ops (boolean results) come last: kernels test `>= equal`.
#define KILN_BINARY_KERNEL_OPS(X)                                                        \
  X(add, kAdd) X(subtract, kSubtract) X(multiply, kMultiply) X(divide, kDivide)          \
  X(pow, kPow) X(maximum, kMaximum) X(minimum, kMinimum) X(equal, kEqual)                \
  X(not_equal, kNotEqual) X(less, kLess) X(less_equal, kLessEqual) X(greater, kGreater)  \
  X(greater_equal, kGreaterEqual) X(logical_and, kLogicalAnd) X(logical_or, kLogicalOr)
