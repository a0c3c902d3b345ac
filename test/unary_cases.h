// One test row per unary op of KILN_UNARY_OP_LIST (runtime/op_list.h): the op as a user
// calls it, an f64 reference written independently of kiln's kernels, the range random
// inputs are drawn from (also the op's domain: log's starts above 0), and hand-picked
// special values. The tests that walk the unary ops read it through unary_rows(), which
// names UnaryCase<OpId::name> for every op of the list: a missing row fails to compile.
//
// Read by test_elementwise.cpp (random data, special values, shapes, dtypes),
// test_op_list.cpp (the eager check), test_gradients.cpp (finite differences) and
// op_cases.h (graph mode, the JIT and CUDA against eager mode).
#pragma once

#include <kiln/kiln.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "runtime/op_list.h"
#include "runtime/unary_ops.h"

namespace kiln::test {

template <OpId op>
struct UnaryCase;  // one per unary op, below

/// What every row may use.
struct UnaryCaseBase {
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
};

template <>
struct UnaryCase<OpId::negative> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return negative(x); }
  static constexpr double lo = -100, hi = 100;
  static double reference(double x) { return -x; }
  static std::vector<double> special() { return {0, kInf, -kInf, kNaN}; }
  static std::vector<double> special64() { return {}; }
};

template <>
struct UnaryCase<OpId::square> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return square(x); }
  static constexpr double lo = -100, hi = 100;
  static double reference(double x) { return x * x; }
  static std::vector<double> special() {
    return {0, -0.0, 1e-30, -1e20, 2e19, 1.8e19, -kInf, kInf, kNaN, 1e-45};
  }
  static std::vector<double> special64() { return {1e-200, -1e200, 1e154, 1.3e154}; }
};

template <>
struct UnaryCase<OpId::abs> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return abs(x); }
  static constexpr double lo = -100, hi = 100;
  static double reference(double x) { return std::fabs(x); }
  static std::vector<double> special() { return {0, -kInf, kInf, kNaN, -1e30}; }
  static std::vector<double> special64() { return {}; }
};

template <>
struct UnaryCase<OpId::relu> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return relu(x); }
  static constexpr double lo = -100, hi = 100;
  static double reference(double x) { return x > 0 ? x : 0.0; }
  static std::vector<double> special() { return {0, -kInf, kInf, 1e30, -1e30}; }
  static std::vector<double> special64() { return {}; }
};

template <>
struct UnaryCase<OpId::exp> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return exp(x); }
  static constexpr double lo = -80, hi = 80;
  static double reference(double x) { return std::exp(x); }
  static std::vector<double> special() {
    return {0, -0.0, 1e-30, -1e-30, 1, -1, 88, 88.7, 89, 100, -87, -100, -200, kInf, -kInf, kNaN};
  }
  static std::vector<double> special64() { return {700, -700, 709, 710, -745}; }
};

template <>
struct UnaryCase<OpId::log> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return log(x); }
  static constexpr double lo = 1e-3, hi = 1e3;
  static double reference(double x) { return std::log(x); }
  static std::vector<double> special() {
    return {1, 2.718281828459045, 1e-30, 1e-20, 1e20, 1e38, 0, -0.0, -1, -kInf, kInf, kNaN};
  }
  static std::vector<double> special64() { return {1e-300, 1e300}; }
};

template <>
struct UnaryCase<OpId::log1p> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return log1p(x); }
  static constexpr double lo = 0, hi = 1e3;  // negatives down to -1 among the specials
  static double reference(double x) { return static_cast<double>(std::log1p(static_cast<long double>(x))); }
  static std::vector<double> special() {
    return {0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -0.5, -0.999, -1, -2, 1, 1e20, 3e38,
            -kInf, kInf, kNaN};
  }
  static std::vector<double> special64() { return {1e-300, -1e-300, 1e-17, 1e300}; }
};

template <>
struct UnaryCase<OpId::softplus> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return softplus(x); }
  static constexpr double lo = -30, hi = 30;
  static double reference(double x) {
    const auto v = static_cast<long double>(x);
    return static_cast<double>(v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)));
  }
  static std::vector<double> special() {
    return {0, -0.0, 1e-30, -1e-30, 1, -1, 20, -20, 88, -88, 100, -100, 1e30, -1e30, kInf, -kInf,
            kNaN};
  }
  static std::vector<double> special64() { return {-700, 700, -745, 1e300}; }
};

template <>
struct UnaryCase<OpId::sqrt> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return sqrt(x); }
  static constexpr double lo = 0, hi = 1e4;
  static double reference(double x) { return std::sqrt(x); }
  static std::vector<double> special() {
    return {0, 1, 4, 1e-30, 1e30, 3e38, -1, -kInf, kInf, kNaN};
  }
  static std::vector<double> special64() { return {1e-300, 1e300}; }
};

template <>
struct UnaryCase<OpId::rsqrt> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return rsqrt(x); }
  static constexpr double lo = 1e-3, hi = 1e4;
  static double reference(double x) { return 1.0 / std::sqrt(x); }
  static std::vector<double> special() { return {1, 4, 0.25, 1e-30, 1e30, 0, kInf, -1, kNaN}; }
  static std::vector<double> special64() { return {1e-300, 1e300}; }
};

template <>
struct UnaryCase<OpId::tanh> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return tanh(x); }
  static constexpr double lo = -20, hi = 20;
  static double reference(double x) { return std::tanh(x); }
  static std::vector<double> special() {
    return {0, 1e-30, -1e-20, 1e-4, 0.5, -0.5, 9, 50, -50, 1e30, kInf, -kInf, kNaN};
  }
  static std::vector<double> special64() { return {}; }
};

template <>
struct UnaryCase<OpId::sigmoid> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return sigmoid(x); }
  static constexpr double lo = -30, hi = 30;
  static double reference(double x) { return 1.0 / (1.0 + std::exp(-x)); }
  static std::vector<double> special() {
    return {0, 1e-30, -1e-30, 80, -80, 100, -100, 1e30, -1e30, kInf, -kInf, kNaN};
  }
  static std::vector<double> special64() { return {-700, 700}; }
};

template <>
struct UnaryCase<OpId::gelu> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return gelu(x); }
  static constexpr double lo = -10, hi = 10;
  static double reference(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
  static std::vector<double> special() {
    return {0, 1e-30, -1e-30, 1, -1, 3, -3, 6, -6, 50, -50, kNaN};
  }
  static std::vector<double> special64() { return {}; }
};

template <>
struct UnaryCase<OpId::sin> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return sin(x); }
  static constexpr double lo = -100, hi = 100;
  static double reference(double x) { return std::sin(x); }
  static std::vector<double> special() {
    return {0, 1e-30, -1e-20, 3.14159265358979, 1e3, -1e3, 1e4, -3e4, kInf, -kInf, kNaN};
  }
  static std::vector<double> special64() { return {1e6}; }
};

template <>
struct UnaryCase<OpId::cos> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return cos(x); }
  static constexpr double lo = -100, hi = 100;
  static double reference(double x) { return std::cos(x); }
  static std::vector<double> special() {
    return {0, 1e-30, 1.5707963267948966, 1e3, -1e3, 1e4, -3e4, kInf, -kInf, kNaN};
  }
  static std::vector<double> special64() { return {1e6}; }
};

template <>
struct UnaryCase<OpId::erf> : UnaryCaseBase {
  static Tensor apply(const Tensor& x) { return erf(x); }
  static constexpr double lo = -5, hi = 5;
  static double reference(double x) { return std::erf(x); }
  static std::vector<double> special() {
    return {0, 1e-30, -1e-20, 0.5, -0.5, 3, 6, -6, 30, kInf, -kInf, kNaN};
  }
  static std::vector<double> special64() { return {}; }
};

template <>
struct UnaryCase<OpId::logical_not> : UnaryCaseBase {  // booleans: 0 and 1
  static Tensor apply(const Tensor& x) { return logical_not(x); }
  static constexpr double lo = 0, hi = 1;
  static double reference(double x) { return x == 0 ? 1 : 0; }
  static std::vector<double> special() { return {0, 1}; }
  static std::vector<double> special64() { return {}; }
};

/// A unary op's test row, with what its definition says about it.
struct UnaryRow {
  std::string name;
  rules::ElementwiseKind kind;
  std::function<Tensor(const Tensor&)> apply;
  double (*reference)(double);
  double lo, hi;
  std::vector<double> special, special64;
  bool differentiable;

  /// The dtypes the op takes.
  std::vector<DType> dtypes() const {
    switch (kind) {
      case rules::ElementwiseKind::floating:
        return {DType::f32, DType::f64};
      case rules::ElementwiseKind::logical:
        return {DType::boolean};
      default:
        return {DType::f32, DType::f64, DType::i32, DType::i64};
    }
  }
  /// Exact ops (no rounding beyond the dtype's): the arithmetic and logical ones.
  bool exact() const { return kind != rules::ElementwiseKind::floating; }
};

/// Every unary op's row, in list order.
inline std::vector<UnaryRow> unary_rows() {
  std::vector<UnaryRow> rows;
#define KILN_UNARY_ROW(name, family)                                                             \
  {                                                                                              \
    using C = UnaryCase<OpId::name>;                                                             \
    rows.push_back({#name, UnaryOpDef<OpId::name>::kind, &C::apply, &C::reference, C::lo, C::hi, \
                    C::special(), C::special64(), UnaryOpDef<OpId::name>::differentiable});      \
  }
  KILN_UNARY_OP_LIST(KILN_UNARY_ROW)
#undef KILN_UNARY_ROW
  return rows;
}

}  // namespace kiln::test
