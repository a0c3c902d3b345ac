// What an elementwise op accepts and returns: the shared rules (runtime/shape_rules.h) and
// the op definitions (runtime/unary_ops.h) both name it. Plain C++: nvcc reads it too.
#pragma once

namespace kiln::rules {

enum class ElementwiseKind {
  arithmetic,  // numeric operands (not boolean), result of the same dtype
  floating,    // floating operands, result of the same dtype
  compare,     // any equal dtypes, boolean result
  logical,     // boolean operands, boolean result
};

}  // namespace kiln::rules
