// What an elementwise op accepts and returns: the shared rules (runtime/shape_rules.h) and
// the op definitions (runtime/unary_ops.h, runtime/binary_ops.h) both name it. Plain C++:
// nvcc reads it too.
#pragma once

#include <cstdint>
#include <type_traits>

namespace kiln::rules {

enum class ElementwiseKind {
  arithmetic,  // numeric operands (not boolean), result of the same dtype
  floating,    // floating operands, result of the same dtype
  compare,     // any equal dtypes, boolean result
  logical,     // boolean operands, boolean result
};

/// Whether an op of `kind` gives booleans, whatever its operands.
constexpr bool gives_booleans(ElementwiseKind kind) {
  return kind == ElementwiseKind::compare || kind == ElementwiseKind::logical;
}

}  // namespace kiln::rules

namespace kiln {

/// Whether an op of `kind` takes elements of C++ type T (booleans are uint8_t).
template <rules::ElementwiseKind kind, class T>
inline constexpr bool takes_elements =
    kind == rules::ElementwiseKind::arithmetic
        ? std::is_arithmetic_v<T> && !std::is_same_v<T, unsigned char>
    : kind == rules::ElementwiseKind::floating ? std::is_floating_point_v<T>
    : kind == rules::ElementwiseKind::compare  ? std::is_arithmetic_v<T>
                                               : std::is_same_v<T, unsigned char>;

/// The C++ element type of an op's result for operands of type T: T, or uint8_t for
/// booleans.
template <rules::ElementwiseKind kind, class T>
using result_element = std::conditional_t<rules::gives_booleans(kind), uint8_t, T>;

}  // namespace kiln
