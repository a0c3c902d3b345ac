// The CPU elementwise kernels (kernels/elementwise.h has the contracts; its entry points
// call these for host tensors).
#pragma once

#include "kernels/elementwise.h"

namespace kiln::kernels::cpu {

void unary(UnaryOp op, const Tensor& x, const Tensor& out);
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void cast(const Tensor& x, const Tensor& out);

}  // namespace kiln::kernels::cpu
