// The op codes the CUDA elementwise kernels take: kernels::UnaryOp and kernels::BinaryOp
// as integers, made from the same lists (runtime/op_list.h, kernels/elementwise_ops.h), so
// the kernels need no host header and the numbering cannot drift.
#pragma once

#include "kernels/elementwise_ops.h"
#include "runtime/op_list.h"

namespace kiln::kernels::cuda {

#define KILN_KERNEL_OP_CODE(name, code) code,
#define KILN_UNARY_CODE(name, family) kUnary_##name,
enum UnaryCode : int { KILN_UNARY_OP_LIST(KILN_UNARY_CODE) };
#undef KILN_UNARY_CODE
enum BinaryCode : int { KILN_BINARY_KERNEL_OPS(KILN_KERNEL_OP_CODE) };
#undef KILN_KERNEL_OP_CODE

}  // namespace kiln::kernels::cuda
