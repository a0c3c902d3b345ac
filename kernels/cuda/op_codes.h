// The op codes the CUDA elementwise kernels take: kernels::UnaryOp and kernels::BinaryOp
// as integers, made from the same lists (kernels/elementwise_ops.h), so the kernels need no
// host header and the numbering cannot drift.
#pragma once

#include "kernels/elementwise_ops.h"

namespace kiln::kernels::cuda {

#define KILN_KERNEL_OP_CODE(name, code) code,
enum UnaryCode : int { KILN_UNARY_KERNEL_OPS(KILN_KERNEL_OP_CODE) };
enum BinaryCode : int { KILN_BINARY_KERNEL_OPS(KILN_KERNEL_OP_CODE) };
#undef KILN_KERNEL_OP_CODE

}  // namespace kiln::kernels::cuda
