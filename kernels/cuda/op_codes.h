// The op codes the CUDA elementwise kernels take: kernels::UnaryOp and kernels::BinaryOp
// as integers (checked against those enums in kernels/cuda/elementwise.cpp), so the
// kernels need no host header.
#pragma once

namespace kiln::kernels::cuda {

enum UnaryCode : int {
  kNegative,
  kAbs,
  kRelu,
  kExp,
  kLog,
  kSqrt,
  kRsqrt,
  kTanh,
  kSigmoid,
  kGelu,
  kSin,
  kCos,
  kErf,
  kLogicalNot
};
enum BinaryCode : int {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kPow,
  kMaximum,
  kMinimum,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kLogicalAnd,
  kLogicalOr
};

}  // namespace kiln::kernels::cuda
