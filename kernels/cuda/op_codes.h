// The op codes the CUDA elementwise kernels take: kernels::UnaryOp and kernels::BinaryOp
// as integers, made from the same lists (runtime/op_list.h), so the kernels need no host
// header and the numbering cannot drift.
#pragma once

#include "runtime/op_list.h"

namespace kiln::kernels::cuda {

#define KILN_UNARY_CODE(name, family) kUnary_##name,
enum UnaryCode : int { KILN_UNARY_OP_LIST(KILN_UNARY_CODE) };
#undef KILN_UNARY_CODE
#define KILN_BINARY_CODE(name, family) kBinary_##name,
enum BinaryCode : int { KILN_BINARY_OP_LIST(KILN_BINARY_CODE) };
#undef KILN_BINARY_CODE

}  // namespace kiln::kernels::cuda
