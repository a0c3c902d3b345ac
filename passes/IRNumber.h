// An IR value with C++ arithmetic, so that runtime/math_algorithms.h — the elementary
// functions the eager kernels run — can be instantiated to emit the same operations as
// arith/math ops: `x * 2.0f + y` on IRNumbers builds arith.mulf and arith.addf at the
// builder's insertion point. Values are scalars or vectors of f32, f64, i32, i64 or i1;
// a C++ constant on one side becomes an arith.constant of the other side's type.
//
// No fast-math flags by default: each op rounds as written, as in the eager kernels (the
// fmas the algorithms want are explicit). A value made `contracting()` (the operands of an
// op in a `kiln.fast_math` module) lets its float arithmetic contract into FMAs.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"

namespace kiln::passes {

class IRNumber {
 public:
  IRNumber() = default;
  IRNumber(mlir::OpBuilder& b, mlir::Location loc, mlir::Value v) : b_(&b), loc_(loc), v_(v) {}

  mlir::Value value() const { return v_; }
  mlir::OpBuilder& builder() const { return *b_; }
  mlir::Location loc() const { return mlir::Location(loc_); }
  mlir::Type type() const { return v_.getType(); }
  bool isFloat() const;

  /// Another value built at the same place (contracting if this one is).
  IRNumber with(mlir::Value v) const {
    IRNumber r(*b_, loc(), v);
    r.contract_ = contract_;
    return r;
  }
  /// This value, with float arithmetic on it (and on what is computed from it) allowed to
  /// contract a*b+c into an FMA across ops.
  IRNumber contracting() const {
    IRNumber r = *this;
    r.contract_ = true;
    return r;
  }
  bool contracts() const { return contract_; }
  /// The constant v in this value's type (element type and lanes); integers exactly.
  IRNumber constant(double v) const;
  IRNumber constantInt(int64_t v) const;
  template <class T>
  requires std::is_arithmetic_v<T> IRNumber lift(T v)
  const {
    if constexpr (std::is_integral_v<T>)
      return isFloat() ? constant(static_cast<double>(v)) : constantInt(static_cast<int64_t>(v));
    else
      return constant(static_cast<double>(v));
  }

 private:
  mlir::OpBuilder* b_ = nullptr;
  mlir::LocationAttr loc_;
  mlir::Value v_;
  bool contract_ = false;
};

template <class T>
concept Arithmetic = std::is_arithmetic_v<T>;

enum class IRBinary { add, sub, mul, div, shl, shr, bit_and, bit_or };
enum class IRCompare { lt, le, gt, ge, eq, ne };
IRNumber binary(IRBinary op, const IRNumber& a, const IRNumber& b);
IRNumber compare(IRCompare op, const IRNumber& a, const IRNumber& b);

#define KILN_IR_BINARY(sym, kind)                                      \
  inline IRNumber operator sym(const IRNumber& a, const IRNumber& b) { \
    return binary(IRBinary::kind, a, b);                               \
  }                                                                    \
  template <Arithmetic T>                                              \
  IRNumber operator sym(const IRNumber& a, T b) {                      \
    return binary(IRBinary::kind, a, a.lift(b));                       \
  }                                                                    \
  template <Arithmetic T>                                              \
  IRNumber operator sym(T a, const IRNumber& b) {                      \
    return binary(IRBinary::kind, b.lift(a), b);                       \
  }
KILN_IR_BINARY(+, add)
KILN_IR_BINARY(-, sub)
KILN_IR_BINARY(*, mul)
KILN_IR_BINARY(/, div)
KILN_IR_BINARY(<<, shl)
KILN_IR_BINARY(>>, shr)
KILN_IR_BINARY(&, bit_and)
KILN_IR_BINARY(|, bit_or)
#undef KILN_IR_BINARY

#define KILN_IR_COMPARE(sym, kind)                                     \
  inline IRNumber operator sym(const IRNumber& a, const IRNumber& b) { \
    return compare(IRCompare::kind, a, b);                             \
  }                                                                    \
  template <Arithmetic T>                                              \
  IRNumber operator sym(const IRNumber& a, T b) {                      \
    return compare(IRCompare::kind, a, a.lift(b));                     \
  }
KILN_IR_COMPARE(<, lt)
KILN_IR_COMPARE(<=, le)
KILN_IR_COMPARE(>, gt)
KILN_IR_COMPARE(>=, ge)
KILN_IR_COMPARE(==, eq)
KILN_IR_COMPARE(!=, ne)  // unordered for floats: NaN != NaN; i1 compares unsigned
#undef KILN_IR_COMPARE

/// IEEE 754-2019 maximum/minimum for floats (arith.maximumf: NaN wins, -0 < +0), signed
/// for integers.
IRNumber maximum(const IRNumber& a, const IRNumber& b);
IRNumber minimum(const IRNumber& a, const IRNumber& b);

IRNumber operator-(const IRNumber& x);  // floats: negation (flips the sign of 0 and NaN)
IRNumber operator!(const IRNumber& mask);

// The primitives runtime/math_algorithms.h asks of a number type (found by ADL).
IRNumber select(const IRNumber& mask, const IRNumber& a, const IRNumber& b);
template <Arithmetic T>
IRNumber select(const IRNumber& mask, T a, const IRNumber& b) {
  return select(mask, b.lift(a), b);
}
template <Arithmetic T>
IRNumber select(const IRNumber& mask, const IRNumber& a, T b) {
  return select(mask, a, a.lift(b));
}
IRNumber fma(const IRNumber& a, const IRNumber& b, const IRNumber& c);
template <class A, class B, class C>
requires(std::same_as<A, IRNumber> || std::same_as<B, IRNumber> ||
         std::same_as<C, IRNumber>) IRNumber fma(const A& a, const B& b, const C& c) {
  const IRNumber* like = nullptr;
  if constexpr (std::same_as<C, IRNumber>) like = &c;
  if constexpr (std::same_as<B, IRNumber>) like = &b;
  if constexpr (std::same_as<A, IRNumber>) like = &a;
  auto lift = [&](const auto& v) {
    if constexpr (std::same_as<std::decay_t<decltype(v)>, IRNumber>)
      return v;
    else
      return like->lift(v);
  };
  return fma(lift(a), lift(b), lift(c));
}
IRNumber fabs(const IRNumber& x);
IRNumber abs(const IRNumber& x);   // floats: math.absf; integers: math.absi (wraps at the minimum)
IRNumber sqrt(const IRNumber& x);  // correctly rounded, as std::sqrt
bool is_f32(const IRNumber& x);    // f32 elements (else f64, for the float algorithms)
IRNumber copysign(const IRNumber& magnitude, const IRNumber& sign);
IRNumber bits(const IRNumber& x);         // f32 -> i32, f64 -> i64, same bits
IRNumber from_bits(const IRNumber& i);    // i32 -> f32, i64 -> f64
IRNumber to_floating(const IRNumber& i);  // i32 -> f32, i64 -> f64, by value
IRNumber widen(const IRNumber& x);        // f32 -> f64
IRNumber narrow(const IRNumber& x);       // f64 -> f32, rounded
IRNumber narrow_int(const IRNumber& i);   // i64 -> i32, truncated
inline IRNumber wrap_sub(const IRNumber& a, const IRNumber& b) { return a - b; }  // subi wraps
template <Arithmetic T>
IRNumber wrap_sub(const IRNumber& a, T b) {
  return a - b;
}
// The C library's functions: math ops that become libm calls (CPU) or libdevice (CUDA).
IRNumber libm_exp(const IRNumber& x);
IRNumber libm_log(const IRNumber& x);
IRNumber libm_log1p(const IRNumber& x);
IRNumber libm_tanh(const IRNumber& x);
IRNumber libm_erf(const IRNumber& x);
IRNumber libm_erfc(const IRNumber& x);
/// pow / powf: a call as written, as the eager kernel's std::pow (never math.powf, which
/// LLVM would rewrite for constant operands: pow(x, 2.0) into x * x, pow(2.0, x) into exp2,
/// each within an ulp of glibc's pow but not equal to it).
IRNumber libm_pow(const IRNumber& x, const IRNumber& y);
IRNumber libm_sin(const IRNumber& x);
IRNumber libm_cos(const IRNumber& x);

/// Declares the C library functions the kernels in `table` (a module or gpu.module) call;
/// `libdevice`: a GPU module, whose calls go to libdevice's __nv_<name> instead.
void declareLibraryCalls(mlir::Operation* table, bool libdevice);

}  // namespace kiln::passes
