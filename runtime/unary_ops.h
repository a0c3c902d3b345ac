// The unary elementwise ops, one definition each. Everything below is made from it:
//
//   kind        what the op accepts (runtime/elementwise_kind.h); the shared rule refuses
//               other dtypes in eager mode and in the dialect's type inference alike
//   cost        relative work per element in a fused kernel (a copy is 1)
//   eval(x)     the value, one template: the eager CPU kernels instantiate it with float,
//               double or integers, the JIT with IR values (passes/IRNumber.h) that emit
//               the same operations, so compiled and eager agree bit for bit
//   device(x)   the value in a CUDA kernel (nvcc instantiates it; CUDA's libm)
//   vjp(x,y,g)  the gradient with respect to x given y = op(x) and the output gradient g,
//               written with kiln ops (T is kiln::Tensor), or `differentiable = false`
//
// Every op of KILN_UNARY_OP_LIST (runtime/op_list.h) must have a UnaryOpDef: the CPU and
// CUDA kernels, the JIT lowering and the gradient table each instantiate it for every op
// of the list, so a missing definition or member fails to compile. Plain C++ (nvcc reads
// it; MLIR and kiln ops are found by argument-dependent lookup when instantiated).
#pragma once

#include <cmath>
#include <numbers>
#include <type_traits>

#include "runtime/elementwise_kind.h"
#include "runtime/integer_math.h"
#include "runtime/math_algorithms.h"
#include "runtime/op_list.h"

#ifdef __CUDACC__
#define KILN_UNARY_DEVICE __device__
#else
#define KILN_UNARY_DEVICE
#endif

// Inlined everywhere: a call per element keeps the kernels' loops from vectorizing.
#define KILN_UNARY_INLINE_LAMBDA __attribute__((always_inline))
#define KILN_UNARY_EVAL \
  template <class N>    \
  [[gnu::always_inline]] static N eval(N x)

namespace kiln {

template <OpId op>
struct UnaryOpDef;  // one specialization per unary op, below

namespace unary_detail {

#define KILN_UNARY_INLINE [[gnu::always_inline]] inline

/// f32(x) for an f32 number, f64(x) for an f64 one; an IR value's element type decides
/// when the JIT builds the kernel.
template <class N, class F32, class F64>
KILN_UNARY_INLINE N by_precision(N x, F32 f32, F64 f64) {
  if constexpr (std::is_same_v<N, float>)
    return f32(x);
  else if constexpr (std::is_same_v<N, double>)
    return f64(x);
  else
    return is_f32(x) ? f32(x) : f64(x);
}

/// 0 - v, wrapping for integers (two's complement).
template <class T>
KILN_UNARY_INLINE KILN_UNARY_DEVICE T wrap_negate(T v) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(v));
}

/// g where `mask` holds, zero elsewhere (for gradients).
template <class T>
T masked(const T& mask, const T& g) {
  return where(mask, g, full({}, 0, g.dtype(), g.device()));
}

}  // namespace unary_detail

// ---- arithmetic: every numeric dtype -----------------------------------------------------

template <>
struct UnaryOpDef<OpId::negative> {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_UNARY_EVAL {
    if constexpr (std::is_integral_v<N>)
      return unary_detail::wrap_negate(x);
    else
      return -x;  // floats flip the sign of 0 and NaN; an IR integer subtracts from 0
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    if constexpr (std::is_integral_v<T>)
      return unary_detail::wrap_negate(x);
    else
      return -x;
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T&, const T&, const T& g) {
    return -g;
  }
};

template <>
struct UnaryOpDef<OpId::abs> {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_UNARY_EVAL {
    if constexpr (std::is_integral_v<N>)
      return x < 0 ? unary_detail::wrap_negate(x) : x;
    else if constexpr (std::is_floating_point_v<N>)
      return std::fabs(x);
    else
      return abs(x);  // an IR value: math.absf or math.absi
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    if constexpr (std::is_integral_v<T>)
      return x < 0 ? unary_detail::wrap_negate(x) : x;
    else
      return fabs(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {  // 0 at 0, like sign(x)
    return where(x > 0, g, unary_detail::masked(x < 0, -g));
  }
};

template <>
struct UnaryOpDef<OpId::square> {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_UNARY_EVAL {  // exact for floats (one rounding); integers wrap
    if constexpr (std::is_integral_v<N>)
      return wrap_mul(x, x);
    else
      return x * x;
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    if constexpr (std::is_integral_v<T>)
      return wrap_mul(x, x);
    else
      return x * x;
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return g * (x + x);
  }
};

template <>
struct UnaryOpDef<OpId::relu> {
  static constexpr auto kind = rules::ElementwiseKind::arithmetic;
  static constexpr int cost = 1;
  KILN_UNARY_EVAL {  // x < 0 ? 0 : x, so NaN stays NaN and -0 stays -0
    if constexpr (std::is_arithmetic_v<N>)
      return x < N(0) ? N(0) : x;
    else
      return select(x < 0, 0, x);
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return x < T(0) ? T(0) : x;
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return unary_detail::masked(x > 0, g);
  }
};

// ---- floating: f32 and f64 ------------------------------------------------------------
// The elementary functions are runtime/math_algorithms.h's (see its header for accuracy).

template <>
struct UnaryOpDef<OpId::exp> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::exp_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::exp_f64(v); });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return exp(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T&, const T& y, const T& g) {
    return g * y;
  }
};

template <>
struct UnaryOpDef<OpId::log> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::log_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::log_f64(v); });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return log(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return g / x;
  }
};

template <>
struct UnaryOpDef<OpId::log1p> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::log1p_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::log1p_f64(v); });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return log1p(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return g / (x + 1);
  }
};

template <>
struct UnaryOpDef<OpId::softplus> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 32;  // an exponential and a logarithm
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::softplus_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::softplus_f64(v); });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return (x > T(0) ? x : T(0)) + log1p(exp(-fabs(x)));
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return g * sigmoid(x);  // d/dx log(1 + e^x)
  }
};

template <>
struct UnaryOpDef<OpId::sqrt> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {  // correctly rounded everywhere
    if constexpr (std::is_arithmetic_v<N>)
      return std::sqrt(x);
    else
      return sqrt(x);
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return sqrt(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T&, const T& y, const T& g) {
    return g / (y * 2);
  }
};

template <>
struct UnaryOpDef<OpId::rsqrt> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {  // 1 / sqrt(x), two rounded steps (not a reciprocal estimate)
    if constexpr (std::is_arithmetic_v<N>)
      return N(1) / std::sqrt(x);
    else
      return 1.0 / sqrt(x);
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return T(1) / sqrt(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T&, const T& y, const T& g) {  // -1/2 x^-3/2 = -1/2 y^3
    return g * (y * y * y) * -0.5;
  }
};

template <>
struct UnaryOpDef<OpId::tanh> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::tanh_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA {
          using mathalg::libm_tanh;  // IR values bring their own (argument-dependent lookup)
          return libm_tanh(v);
        });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return tanh(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T&, const T& y, const T& g) {
    return g * (1 - y * y);
  }
};

template <>
struct UnaryOpDef<OpId::sigmoid> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::sigmoid_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::sigmoid_f64(v); });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return T(1) / (T(1) + exp(-x));
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T&, const T& y, const T& g) {
    return g * (y * (1 - y));
  }
};

template <>
struct UnaryOpDef<OpId::gelu> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {  // x Φ(x), the exact (erf) form
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::gelu_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::gelu_f64(v); });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return T(0.5) * x * erfc(-x * T(0.70710678118654752440));
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {  // d/dx x Φ(x) = Φ(x) + x φ(x)
    const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * std::numbers::pi);
    T cdf = (1 + erf(x * std::numbers::sqrt2 / 2)) * 0.5;
    T pdf = exp(x * x * -0.5) * inv_sqrt_2pi;
    return g * (cdf + x * pdf);
  }
};

template <>
struct UnaryOpDef<OpId::sin> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  // One element. The CPU kernel and the JIT split the work instead (the vector reduction
  // for every element, then the C library for the few it does not cover), with the same
  // values.
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x,
        [](auto v) KILN_UNARY_INLINE_LAMBDA {
          using mathalg::libm_sin, mathalg::select;  // IR values: argument-dependent lookup
          return select(mathalg::needs_libm_trig(v), libm_sin(v), mathalg::sin_reduced_f32(v));
        },
        [](auto v) KILN_UNARY_INLINE_LAMBDA {
          using mathalg::libm_sin;
          return libm_sin(v);
        });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return sin(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return g * cos(x);
  }
};

template <>
struct UnaryOpDef<OpId::cos> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {  // one element; see sin
    return unary_detail::by_precision(
        x,
        [](auto v) KILN_UNARY_INLINE_LAMBDA {
          using mathalg::libm_cos, mathalg::select;  // IR values: argument-dependent lookup
          return select(mathalg::needs_libm_trig(v), libm_cos(v), mathalg::cos_reduced_f32(v));
        },
        [](auto v) KILN_UNARY_INLINE_LAMBDA {
          using mathalg::libm_cos;
          return libm_cos(v);
        });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return cos(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return -(g * sin(x));
  }
};

template <>
struct UnaryOpDef<OpId::erf> {
  static constexpr auto kind = rules::ElementwiseKind::floating;
  static constexpr int cost = 16;
  KILN_UNARY_EVAL {
    return unary_detail::by_precision(
        x, [](auto v) KILN_UNARY_INLINE_LAMBDA { return mathalg::erf_f32(v); },
        [](auto v) KILN_UNARY_INLINE_LAMBDA {
          using mathalg::libm_erf;
          return libm_erf(v);
        });
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return erf(x);
  }
  static constexpr bool differentiable = true;
  template <class T>
  static T vjp(const T& x, const T&, const T& g) {
    return g * exp(-(x * x)) * (2 / std::sqrt(std::numbers::pi));
  }
};

// ---- logical: booleans (bytes holding 0 or 1) ---------------------------------------------

template <>
struct UnaryOpDef<OpId::logical_not> {
  static constexpr auto kind = rules::ElementwiseKind::logical;
  static constexpr int cost = 1;
  KILN_UNARY_EVAL {
    if constexpr (std::is_arithmetic_v<N>)
      return static_cast<N>(x ^ 1);
    else
      return !x;  // an IR i1: xor with 1
  }
  template <class T>
  KILN_UNARY_DEVICE static T device(T x) {
    return static_cast<T>(x ^ 1);
  }
  static constexpr bool differentiable = false;
};

#undef KILN_UNARY_INLINE
#undef KILN_UNARY_EVAL
#undef KILN_UNARY_INLINE_LAMBDA

/// Whether `op` is a unary op (an entry of KILN_UNARY_OP_LIST).
constexpr bool is_unary_op(OpId op) {
  switch (op) {
#define KILN_UNARY_CASE(name, family) case OpId::name:
    KILN_UNARY_OP_LIST(KILN_UNARY_CASE)
#undef KILN_UNARY_CASE
    return true;
    default:
      return false;
  }
}

}  // namespace kiln
