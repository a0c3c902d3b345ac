// One test row per binary op of KILN_BINARY_OP_LIST (runtime/op_list.h): the op as a user
// calls it, an f64 reference written independently of kiln's kernels, the values random
// operands are drawn from (also the op's domain: integer divisors are nonzero), the inputs
// its gradient is checked on, and hand-picked special values. The tests that walk the
// binary ops read it through binary_rows(), which names BinaryCase<OpId::name> for every op
// of the list: a missing row fails to compile.
//
// Read by test_elementwise.cpp (random data, broadcast shapes, dtypes, special values),
// test_op_list.cpp (the eager check), test_gradients.cpp (finite differences), op_cases.h
// (graph mode, the JIT and CUDA against eager mode) and test_edges_random.cpp (the random
// programs' binary ops).
#pragma once

#include <kiln/kiln.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "reference.h"
#include "runtime/binary_ops.h"
#include "runtime/op_list.h"

namespace kiln::test {

/// The values random operands are drawn from; integers and booleans as the dtype holds them.
enum class Operands {
  wide,      // [-10, 10)
  divisor,   // nonzero: magnitude in [0.5, 4) for floats, [1, 5] for integers, either sign
  base,      // floats in [0.1, 5); integers in [-4, 4]
  exponent,  // floats in [-3, 3); integers in [0, 5] (negative integer powers are refused)
  grid,      // multiples of 1/2 in [-2, 2] (integers for integer dtypes): ties are common
  boolean,   // 0 and 1
};

/// What a gradient is checked on (f64): away from the op's kinks and poles.
enum class GradInputs {
  none,            // not differentiable
  plain,           // [-2, 2)
  positive,        // [0.5, 2)
  away_from_zero,  // magnitude in [0.2, 2), either sign
  small,           // [-1.5, 1.5)
  grid,            // multiples of 1/4 in [-2, 2]
  grid_offset,     // the grid moved by 1/8: never equal to a grid value
};

/// n values of `kind` for dtype d.
inline std::vector<double> operands(Operands kind, DType d, int64_t n, uint64_t seed) {
  const bool floating = is_floating(d);
  switch (kind) {
    case Operands::wide:
      return kt::random_for(d, n, -10, 10, seed);
    case Operands::divisor: {
      auto sign = kt::uniform_int(n, 0, 1, seed ^ 0x55);
      auto mag = floating ? kt::uniform(n, 0.5, 4, seed) : kt::uniform_int(n, 1, 5, seed);
      for (size_t i = 0; i < mag.size(); ++i) mag[i] *= sign[i] != 0.0 ? -1 : 1;
      return mag;
    }
    case Operands::base:
      return floating ? kt::uniform(n, 0.1, 5, seed) : kt::uniform_int(n, -4, 4, seed);
    case Operands::exponent:
      return floating ? kt::uniform(n, -3, 3, seed) : kt::uniform_int(n, 0, 5, seed);
    case Operands::grid: {
      if (d == DType::boolean) return kt::uniform_int(n, 0, 1, seed);
      auto k = kt::uniform_int(n, -4, 4, seed);
      for (auto& v : k) v = floating ? v / 2 : std::trunc(v / 2);
      return k;
    }
    case Operands::boolean:
      return kt::uniform_int(n, 0, 1, seed);
  }
  return {};
}

template <OpId op>
struct BinaryCase;  // one per binary op, below

/// What every row may use.
struct BinaryCaseBase {
  static constexpr double kInf = kt::kInf;
  static constexpr double kNaN = kt::kNaN;
  /// Float operands every arithmetic row is tried on, all pairs: zeros of both signs,
  /// infinities, NaN, an f32 subnormal, values whose products and sums overflow f32.
  static std::vector<double> special() {
    return {0, -0.0, 1, -1.5, 3, 1e-40, -3e38, 3e38, kInf, -kInf, kNaN};
  }
};

template <>
struct BinaryCase<OpId::add> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return add(a, b); }
  static double reference(double a, double b, bool) { return a + b; }
  static constexpr Operands lhs = Operands::wide, rhs = Operands::wide;
  static constexpr GradInputs grad_lhs = GradInputs::plain, grad_rhs = GradInputs::plain;
};

template <>
struct BinaryCase<OpId::subtract> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return subtract(a, b); }
  static double reference(double a, double b, bool) { return a - b; }
  static constexpr Operands lhs = Operands::wide, rhs = Operands::wide;
  static constexpr GradInputs grad_lhs = GradInputs::plain, grad_rhs = GradInputs::plain;
};

template <>
struct BinaryCase<OpId::multiply> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return multiply(a, b); }
  static double reference(double a, double b, bool) { return a * b; }
  static constexpr Operands lhs = Operands::wide, rhs = Operands::wide;
  static constexpr GradInputs grad_lhs = GradInputs::plain, grad_rhs = GradInputs::plain;
};

template <>
struct BinaryCase<OpId::divide> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return divide(a, b); }
  // Integers truncate toward zero (C++'s rule).
  static double reference(double a, double b, bool integer) {
    return integer ? std::trunc(a / b) : a / b;
  }
  static constexpr Operands lhs = Operands::wide, rhs = Operands::divisor;
  static constexpr GradInputs grad_lhs = GradInputs::plain, grad_rhs = GradInputs::away_from_zero;
};

template <>
struct BinaryCase<OpId::pow> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return pow(a, b); }
  static double reference(double a, double b, bool) { return std::pow(a, b); }
  static constexpr Operands lhs = Operands::base, rhs = Operands::exponent;
  static constexpr GradInputs grad_lhs = GradInputs::positive, grad_rhs = GradInputs::small;
};

/// IEEE 754-2019 maximum/minimum: a NaN operand wins, -0 < +0.
inline double ieee_extreme(double a, double b, bool max) {
  if (std::isnan(a) || std::isnan(b)) return kt::kNaN;
  if (a == b) return std::signbit(a) == max ? b : a;
  return (a > b) == max ? a : b;
}

template <>
struct BinaryCase<OpId::maximum> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return maximum(a, b); }
  static double reference(double a, double b, bool) { return ieee_extreme(a, b, true); }
  static constexpr Operands lhs = Operands::wide, rhs = Operands::wide;
  // No ties: the gradient's choice at a tie is a convention, not a derivative.
  static constexpr GradInputs grad_lhs = GradInputs::grid, grad_rhs = GradInputs::grid_offset;
};

template <>
struct BinaryCase<OpId::minimum> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return minimum(a, b); }
  static double reference(double a, double b, bool) { return ieee_extreme(a, b, false); }
  static constexpr Operands lhs = Operands::wide, rhs = Operands::wide;
  static constexpr GradInputs grad_lhs = GradInputs::grid, grad_rhs = GradInputs::grid_offset;
};

// Comparisons: every dtype, on a grid so that ties (where they differ) are common.
#define KILN_COMPARISON_CASE(name, sym)                                                   \
  template <>                                                                             \
  struct BinaryCase<OpId::name> : BinaryCaseBase {                                        \
    static Tensor apply(const Tensor& a, const Tensor& b) { return name(a, b); }          \
    static double reference(double a, double b, bool) { return (a sym b) ? 1.0 : 0.0; }   \
    static constexpr Operands lhs = Operands::grid, rhs = Operands::grid;                 \
    static constexpr GradInputs grad_lhs = GradInputs::none, grad_rhs = GradInputs::none; \
  };
KILN_COMPARISON_CASE(equal, ==)
KILN_COMPARISON_CASE(not_equal, !=)
KILN_COMPARISON_CASE(less, <)
KILN_COMPARISON_CASE(less_equal, <=)
KILN_COMPARISON_CASE(greater, >)
KILN_COMPARISON_CASE(greater_equal, >=)
#undef KILN_COMPARISON_CASE

template <>
struct BinaryCase<OpId::logical_and> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
  static double reference(double a, double b, bool) { return a != 0 && b != 0 ? 1.0 : 0.0; }
  static constexpr Operands lhs = Operands::boolean, rhs = Operands::boolean;
  static constexpr GradInputs grad_lhs = GradInputs::none, grad_rhs = GradInputs::none;
};

template <>
struct BinaryCase<OpId::logical_or> : BinaryCaseBase {
  static Tensor apply(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
  static double reference(double a, double b, bool) { return a != 0 || b != 0 ? 1.0 : 0.0; }
  static constexpr Operands lhs = Operands::boolean, rhs = Operands::boolean;
  static constexpr GradInputs grad_lhs = GradInputs::none, grad_rhs = GradInputs::none;
};

/// A row with the op's definition read alongside (what it accepts, whether it has a
/// gradient): what the tests walk.
struct BinaryRow {
  std::string name;
  OpId op;
  rules::ElementwiseKind kind;
  std::function<Tensor(const Tensor&, const Tensor&)> apply;
  std::function<Tensor(const Tensor&, Scalar)> apply_scalar;  // a C++ scalar on the right
  double (*reference)(double, double, bool integer);
  Operands lhs, rhs;
  GradInputs grad_lhs, grad_rhs;
  std::vector<double> special;
  bool differentiable;

  /// The dtypes the op takes.
  std::vector<DType> dtypes() const {
    switch (kind) {
      case rules::ElementwiseKind::floating:
        return {DType::f32, DType::f64};
      case rules::ElementwiseKind::compare:
        return {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean};
      case rules::ElementwiseKind::logical:
        return {DType::boolean};
      default:
        return {DType::f32, DType::f64, DType::i32, DType::i64};
    }
  }
  bool gives_booleans() const { return rules::gives_booleans(kind); }
  /// The result's dtype for operands of dtype d.
  DType result(DType d) const { return gives_booleans() ? DType::boolean : d; }
  /// Random operands for dtype d, rounded to what it holds.
  std::vector<double> lhs_values(DType d, int64_t n, uint64_t seed) const {
    return kt::rounded(operands(lhs, d, n, seed), d);
  }
  std::vector<double> rhs_values(DType d, int64_t n, uint64_t seed) const {
    return kt::rounded(operands(rhs, d, n, seed), d);
  }
};

/// Every binary op's row, in list order.
inline std::vector<BinaryRow> binary_rows() {
  std::vector<BinaryRow> rows;
#define KILN_BINARY_ROW(name, family)                                                              \
  {                                                                                                \
    using C = BinaryCase<OpId::name>;                                                              \
    using Def = BinaryOpDef<OpId::name>;                                                           \
    static_assert(Def::differentiable == (C::grad_lhs != GradInputs::none),                        \
                  "a differentiable op's row names its gradient inputs, and only then");           \
    rows.push_back({#name, OpId::name, Def::kind, &C::apply,                                       \
                    [](const Tensor& a, Scalar b) { return ::kiln::name(a, b); }, &C::reference,   \
                    C::lhs, C::rhs, C::grad_lhs, C::grad_rhs, C::special(), Def::differentiable}); \
  }
  KILN_BINARY_OP_LIST(KILN_BINARY_ROW)
#undef KILN_BINARY_ROW
  return rows;
}

}  // namespace kiln::test
