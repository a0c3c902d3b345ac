// The binary elementwise ops, one definition each. Everything below is made from it:
//
//   kind        what the op accepts and gives (runtime/elementwise_kind.h); the shared rule
//               refuses other dtypes in eager mode and in the dialect's type inference alike
//   cost        relative work per element in a fused kernel (a copy is 1)
//   checks_integers, refusal(y)
//               integer right operands the op refuses (division by zero, negative powers):
//               checked on the host before any kernel runs, so such ops fuse only for
//               floats; refusal(y) is the message, or nullptr where y is fine
//   eval(x, y)  the value, one template for every place it is computed: the eager CPU
//               kernels (float, double, integers, uint8_t booleans), the CUDA kernels (nvcc
//               instantiates it for the device) and the JIT (passes/IRNumber.h values that
//               emit the same operations), so compiled and eager agree bit for bit
//   vjp(x, y, out, g, grads)
//               the gradient given out = op(x, y) and the output gradient g, written with
//               kiln ops (T is kiln::Tensor): grads.lhs(f) and grads.rhs(f) take each
//               operand's part as a callable, run only where that operand needs one; or
//               `differentiable = false`
//
// Every op of KILN_BINARY_OP_LIST (runtime/op_list.h) must have a BinaryOpDef: the CPU and
// CUDA kernels, the JIT lowering, the dialect, the op functions and the gradient table each
// instantiate it for every op of the list, so a missing definition or member fails to
// compile. Plain C++ (nvcc reads it; kiln ops and IR values are found by argument-dependent
// lookup when instantiated).
#pragma once

#include <cmath>
#include <type_traits>

#include "runtime/elementwise_kind.h"
#include "runtime/extremes.h"
#include "runtime/integer_math.h"  // KILN_HOST_DEVICE, wrapping arithmetic
#include "runtime/op_list.h"

// Inlined everywhere: a call per element keeps the kernels' loops from vectorizing.
#define KILN_BINARY_EVAL \
  template <class N>     \
  [[gnu::always_inline]] KILN_HOST_DEVICE static auto eval(N x, N y)

namespace kiln {

template <OpId op>
struct BinaryOpDef;  // one specialization per binary op, below

namespace binary_detail {

/// Every op but divide and pow takes any right operand.
struct TakesAnyOperand {
  static constexpr bool checks_integers = false;
};

/// maximum's and minimum's gradient: g to the operand chosen, where `first` says it was x.
template <class T, class Grads>
void to_chosen(const T& first, const T& g, Grads& grads) {
  const T zero = full({}, 0, g.dtype(), g.device());
  grads.lhs([&] { return where(first, g, zero); });
  grads.rhs([&] { return where(first, zero, g); });
}

}  // namespace binary_detail

// ---- arithmetic: every numeric dtype, integers wrapping (two's complement) ---------------

template <>
struct BinaryOpDef<OpId::add> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_arithmetic_v<N>)
      return wrap_add(x, y);
    else
      return x + y;  // an IR value: addf (contracted under fast math) or addi, which wraps
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T&, const T&, const T&, const T& g, Grads& grads) {
    grads.lhs([&] { return g; });
    grads.rhs([&] { return g; });
  }
};

template <>
struct BinaryOpDef<OpId::subtract> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_integral_v<N>)
      return wrap_sub(x, y);
    else
      return x - y;
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T&, const T&, const T&, const T& g, Grads& grads) {
    grads.lhs([&] { return g; });
    grads.rhs([&] { return -g; });
  }
};

template <>
struct BinaryOpDef<OpId::multiply> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_integral_v<N>)
      return wrap_mul(x, y);
    else
      return x * y;
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T& x, const T& y, const T&, const T& g, Grads& grads) {
    grads.lhs([&] { return g * y; });
    grads.rhs([&] { return g * x; });
  }
};

template <>
struct BinaryOpDef<OpId::divide> {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 16;
  static constexpr bool checks_integers = true;
  template <class T>
  static const char* refusal(T y) {
    return y == 0 ? "integer division by zero" : nullptr;
  }
  KILN_BINARY_EVAL {
    if constexpr (std::is_integral_v<N>)  // INT_MIN / -1 overflows: wrap like the other ops
      return y == N(-1) ? wrap_sub(N(0), x) : N(x / y);
    else
      return x / y;  // integer IR values never get here: integer divisions are not fused
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T&, const T& y, const T& out, const T& g, Grads& grads) {
    grads.lhs([&] { return g / y; });
    grads.rhs([&] { return -(g * out) / y; });
  }
};

template <>
struct BinaryOpDef<OpId::pow> {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 16;
  static constexpr bool checks_integers = true;
  template <class T>
  static const char* refusal(T y) {
    return y < 0 ? "integers to negative integer powers are not allowed" : nullptr;
  }
  KILN_BINARY_EVAL {
    if constexpr (std::is_integral_v<N>) {
      return int_pow(x, y);
    } else if constexpr (std::is_floating_point_v<N>) {
#ifdef __CUDA_ARCH__
      return ::pow(x, y);  // CUDA's libm
#else
      return std::pow(x, y);
#endif
    } else {
      return libm_pow(x, y);  // an IR value: the same C library call as std::pow
    }
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T& x, const T& y, const T& out, const T& g, Grads& grads) {
    grads.lhs([&] { return g * y * pow(x, y - 1); });
    // d/dy x^y = x^y log x, taken as 0 where x <= 0 (as TensorFlow does).
    grads.rhs([&] {
      const T positive = x > 0;
      const T safe_log = log(where(positive, x, full({}, 1, x.dtype(), x.device())));
      return g * out * where(positive, safe_log, full({}, 0, x.dtype(), x.device()));
    });
  }
};

// maximum and minimum: IEEE 754-2019's (a NaN operand wins, -0 < +0; runtime/extremes.h).
// Ties send the gradient to the first operand (TensorFlow's choice).
template <>
struct BinaryOpDef<OpId::maximum> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_arithmetic_v<N>)
      return extreme<true>(x, y);
    else
      return maximum(x, y);  // an IR value: arith.maximumf or arith.maxsi
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T& x, const T& y, const T&, const T& g, Grads& grads) {
    binary_detail::to_chosen(T(x >= y), g, grads);
  }
};

template <>
struct BinaryOpDef<OpId::minimum> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_arithmetic_v<N>)
      return extreme<false>(x, y);
    else
      return minimum(x, y);  // an IR value: arith.minimumf or arith.minsi
  }
  static constexpr bool differentiable = true;
  template <class T, class Grads>
  static void vjp(const T& x, const T& y, const T&, const T& g, Grads& grads) {
    binary_detail::to_chosen(T(x <= y), g, grads);
  }
};

// ---- comparisons: any equal dtypes, boolean results ---------------------------------------
// Floats compare ordered (NaN makes each false) except not_equal (NaN != NaN); booleans
// compare as 0 and 1 (IR values as unsigned i1).

#define KILN_COMPARISON(name, sym)                                  \
  template <>                                                       \
  struct BinaryOpDef<OpId::name> : binary_detail::TakesAnyOperand { \
    static constexpr auto kind = rules::ElementwiseKind::compare;   \
    static constexpr int cost = 1;                                  \
    KILN_BINARY_EVAL { return x sym y; }                            \
    static constexpr bool differentiable = false;                   \
  };
KILN_COMPARISON(equal, ==)
KILN_COMPARISON(not_equal, !=)
KILN_COMPARISON(less, <)
KILN_COMPARISON(less_equal, <=)
KILN_COMPARISON(greater, >)
KILN_COMPARISON(greater_equal, >=)
#undef KILN_COMPARISON

// ---- logical: booleans (bytes holding 0 or 1; IR i1) --------------------------------------

template <>
struct BinaryOpDef<OpId::logical_and> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::logical;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_arithmetic_v<N>)
      return static_cast<bool>((x != N(0)) & (y != N(0)));
    else
      return x & y;  // i1
  }
  static constexpr bool differentiable = false;
};

template <>
struct BinaryOpDef<OpId::logical_or> : binary_detail::TakesAnyOperand {
  static constexpr auto kind = rules::ElementwiseKind::logical;
  static constexpr int cost = 1;
  KILN_BINARY_EVAL {
    if constexpr (std::is_arithmetic_v<N>)
      return static_cast<bool>((x != N(0)) | (y != N(0)));
    else
      return x | y;  // i1
  }
  static constexpr bool differentiable = false;
};

#undef KILN_BINARY_EVAL

/// Whether `op` is a binary elementwise op (an entry of KILN_BINARY_OP_LIST).
constexpr bool is_binary_op(OpId op) {
  switch (op) {
#define KILN_BINARY_CASE(name, family) case OpId::name:
    KILN_BINARY_OP_LIST(KILN_BINARY_CASE)
#undef KILN_BINARY_CASE
    return true;
    default:
      return false;
  }
}

}  // namespace kiln
