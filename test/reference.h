// Reference helpers for the kiln numerics tests: seeded host data, tensors built from it,
// f64 reference implementations of broadcasting and reductions, and a comparison that
// reports the first mismatching element.
//
// Tolerances (|got - want| <= abs + rel * |want|, NaN matches NaN, infinities match
// exactly), chosen from the dtype's precision:
//   f32 arithmetic (+ - * / pow maximum ...):         rel 1e-5, abs 1e-6
//   f32 transcendentals vs f64 std:: functions:       rel 1e-5, abs 2e-6
//   f32 reductions / matmul (sums of many terms):     rel 2e-5 .. 1e-4, abs scaled by size
//   f64 everything:                                   rel 1e-12, abs 1e-12
//   integers and booleans:                            exact
// The reference is computed in f64 from the values the tensor actually holds (inputs are
// rounded to the tensor's dtype first) and rounded to the output dtype before comparing.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <kiln/kiln.h>

namespace kt {

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;

// ---- Tolerances ------------------------------------------------------------------------

struct Tol {
  double rel;
  double abs;
};
inline constexpr Tol kExact{0.0, 0.0};
inline constexpr Tol kF32Arith{1e-5, 1e-6};
inline constexpr Tol kF32Trans{1e-5, 2e-6};
inline constexpr Tol kF32Reduce{2e-5, 1e-5};
inline constexpr Tol kF64{1e-12, 1e-12};

/// Arithmetic tolerance for a dtype (exact for integers and booleans).
inline Tol arith_tol(DType d) {
  switch (d) {
    case DType::f32: return kF32Arith;
    case DType::f64: return kF64;
    default: return kExact;
  }
}
/// Transcendental tolerance for a floating dtype.
inline Tol trans_tol(DType d) { return d == DType::f64 ? kF64 : kF32Trans; }
/// Reduction tolerance for a dtype.
inline Tol reduce_tol(DType d) {
  switch (d) {
    case DType::f32: return kF32Reduce;
    case DType::f64: return Tol{1e-11, 1e-11};
    default: return kExact;
  }
}

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- Seeded host data -------------------------------------------------------------------

/// Uniform reals in [lo, hi), reproducible for a seed.
inline std::vector<double> uniform(int64_t n, double lo, double hi, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(gen);
  return v;
}

/// Uniform integers in [lo, hi], reproducible for a seed (stored as doubles).
inline std::vector<double> uniform_int(int64_t n, int64_t lo, int64_t hi, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<double>(dist(gen));
  return v;
}

/// Random data fitting a dtype: reals in [lo, hi) for floating dtypes, integers in
/// [lo, hi] for integer dtypes, 0/1 for boolean.
inline std::vector<double> random_for(DType d, int64_t n, double lo, double hi, uint64_t seed) {
  if (d == DType::f32 || d == DType::f64) return uniform(n, lo, hi, seed);
  if (d == DType::boolean) return uniform_int(n, 0, 1, seed);
  return uniform_int(n, static_cast<int64_t>(lo), static_cast<int64_t>(hi), seed);
}

// ---- Shapes and indices -----------------------------------------------------------------

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

inline std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = static_cast<int64_t>(s.size()) - 2; i >= 0; --i)
    st[static_cast<size_t>(i)] = st[static_cast<size_t>(i + 1)] * s[static_cast<size_t>(i + 1)];
  return st;
}

/// The multi-index of flat index `flat` in shape `s`.
inline std::vector<int64_t> unravel(int64_t flat, const Shape& s) {
  std::vector<int64_t> idx(s.size(), 0);
  for (int64_t i = static_cast<int64_t>(s.size()) - 1; i >= 0; --i) {
    auto d = s[static_cast<size_t>(i)];
    if (d > 0) {
      idx[static_cast<size_t>(i)] = flat % d;
      flat /= d;
    }
  }
  return idx;
}

inline std::string shape_string(const Shape& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  if (s.size() == 1) os << ",";
  os << ")";
  return os.str();
}

/// NumPy broadcasting of two shapes (assumes they broadcast).
inline Shape broadcast_shape(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r, 1);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Strides of an operand of shape `s` seen from an output of rank `out_rank`
/// (right-aligned; 0 along broadcast dimensions).
inline std::vector<int64_t> broadcast_strides(const Shape& s, size_t out_rank) {
  auto st = strides_of(s);
  std::vector<int64_t> out(out_rank, 0);
  size_t off = out_rank - s.size();
  for (size_t i = 0; i < s.size(); ++i) out[off + i] = s[i] == 1 ? 0 : st[i];
  return out;
}

/// Calls body(out_flat, offsets) for every element of shape `so`, in row-major order,
/// where offsets[k] is the flat index into operand k (of shape shapes[k], broadcast).
template <class Body>
void for_each_broadcast(const Shape& so, const std::vector<Shape>& shapes, Body&& body) {
  int64_t n = numel(so);
  if (n == 0) return;
  size_t r = so.size();
  std::vector<std::vector<int64_t>> st;
  for (auto& s : shapes) st.push_back(broadcast_strides(s, r));
  std::vector<int64_t> idx(r, 0), off(shapes.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    body(i, off);
    // Advance the odometer.
    for (size_t d = r; d-- > 0;) {
      ++idx[d];
      for (size_t k = 0; k < st.size(); ++k) off[k] += st[k][d];
      if (idx[d] < so[d]) break;
      for (size_t k = 0; k < st.size(); ++k) off[k] -= st[k][d] * idx[d];
      idx[d] = 0;
    }
  }
}

/// f(a, b) over the broadcast shape of a and b.
inline std::vector<double> broadcast_apply(const std::vector<double>& a, const Shape& sa,
                                           const std::vector<double>& b, const Shape& sb,
                                           const std::function<double(double, double)>& f,
                                           Shape* out_shape = nullptr) {
  Shape so = broadcast_shape(sa, sb);
  if (out_shape) *out_shape = so;
  std::vector<double> out(static_cast<size_t>(numel(so)));
  for_each_broadcast(so, {sa, sb}, [&](int64_t i, const std::vector<int64_t>& off) {
    out[static_cast<size_t>(i)] = f(a[static_cast<size_t>(off[0])], b[static_cast<size_t>(off[1])]);
  });
  return out;
}

/// f(c, a, b) over the broadcast shape of all three.
inline std::vector<double> broadcast_apply3(const std::vector<double>& c, const Shape& sc,
                                            const std::vector<double>& a, const Shape& sa,
                                            const std::vector<double>& b, const Shape& sb,
                                            const std::function<double(double, double, double)>& f,
                                            Shape* out_shape = nullptr) {
  Shape so = broadcast_shape(broadcast_shape(sc, sa), sb);
  if (out_shape) *out_shape = so;
  std::vector<double> out(static_cast<size_t>(numel(so)));
  for_each_broadcast(so, {sc, sa, sb}, [&](int64_t i, const std::vector<int64_t>& off) {
    out[static_cast<size_t>(i)] = f(c[static_cast<size_t>(off[0])], a[static_cast<size_t>(off[1])],
                                    b[static_cast<size_t>(off[2])]);
  });
  return out;
}

/// Broadcasts data of shape `s` to shape `to`.
inline std::vector<double> broadcast_data(const std::vector<double>& v, const Shape& s,
                                          const Shape& to) {
  std::vector<double> out(static_cast<size_t>(numel(to)));
  for_each_broadcast(to, {s}, [&](int64_t i, const std::vector<int64_t>& off) {
    out[static_cast<size_t>(i)] = v[static_cast<size_t>(off[0])];
  });
  return out;
}

inline std::vector<double> apply1(const std::vector<double>& v, const std::function<double(double)>& f) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = f(v[i]);
  return out;
}

// ---- Reductions -------------------------------------------------------------------------

/// The running sums of `v` (shape `s`) along `axis` (from its end when `reverse`), in f64.
inline std::vector<double> cumsum_ref(const std::vector<double>& v, const Shape& s, int64_t axis,
                                      bool reverse) {
  if (axis < 0) axis += static_cast<int64_t>(s.size());
  int64_t outer = 1, n = s[static_cast<size_t>(axis)], inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
  std::vector<double> out(v.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      double acc = 0;
      for (int64_t step = 0; step < n; ++step) {
        const int64_t r = reverse ? n - 1 - step : step;
        const auto at = static_cast<size_t>((o * n + r) * inner + j);
        acc += v[at];
        out[at] = acc;
      }
    }
  return out;
}

enum class Red { sum, mean, max, min, argmax, argmin };

/// Normalizes axes (negative count from the end); empty means all axes.
inline std::vector<int64_t> norm_axes(std::vector<int64_t> axes, int64_t rank, bool all_if_empty = true) {
  if (axes.empty() && all_if_empty) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    return axes;
  }
  for (auto& a : axes)
    if (a < 0) a += rank;
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

/// The f64 reference reduction of data `v` of shape `s` over `axes` (empty: all axes).
/// For argmax, `axes` must hold exactly one axis; the result is the index of the first
/// maximum along it (NaN counts as the maximum). max/min propagate NaN.
inline std::vector<double> reduce_ref(const std::vector<double>& v, const Shape& s,
                                      std::vector<int64_t> axes, bool keepdims, Red op,
                                      Shape* out_shape = nullptr) {
  int64_t rank = static_cast<int64_t>(s.size());
  axes = norm_axes(std::move(axes), rank);
  std::vector<bool> reduced(s.size(), false);
  for (auto a : axes) reduced[static_cast<size_t>(a)] = true;
  Shape kept;     // output shape with keepdims
  Shape outs;     // requested output shape
  for (size_t i = 0; i < s.size(); ++i) {
    kept.push_back(reduced[i] ? 1 : s[i]);
    if (!reduced[i]) outs.push_back(s[i]);
    else if (keepdims) outs.push_back(1);
  }
  if (out_shape) *out_shape = outs;
  int64_t n_out = numel(kept);
  int64_t count = 1;
  for (auto a : axes) count *= s[static_cast<size_t>(a)];
  std::vector<double> acc(static_cast<size_t>(n_out));
  std::vector<double> best_idx(static_cast<size_t>(n_out), 0.0);
  std::vector<bool> seen(static_cast<size_t>(n_out), false);
  auto sst = strides_of(s);
  for_each_broadcast(s, {kept}, [&](int64_t i, const std::vector<int64_t>& offs) {
    int64_t o = offs[0];
    double x = v[static_cast<size_t>(i)];
    double& a = acc[static_cast<size_t>(o)];
    bool first = !seen[static_cast<size_t>(o)];
    seen[static_cast<size_t>(o)] = true;
    switch (op) {
      case Red::sum:
      case Red::mean: a = first ? x : a + x; break;
      case Red::max:
        if (first || std::isnan(x) || (!std::isnan(a) && x > a)) a = x;
        break;
      case Red::min:
        if (first || std::isnan(x) || (!std::isnan(a) && x < a)) a = x;
        break;
      case Red::argmax:
      case Red::argmin: {
        // Position along the single reduced axis.
        auto ax = static_cast<size_t>(axes.at(0));
        double pos = static_cast<double>((i / sst[ax]) % s[ax]);
        const bool better = op == Red::argmax ? x > a : x < a;
        if (first || (std::isnan(x) && !std::isnan(a)) || (!std::isnan(a) && better)) {
          a = x;
          best_idx[static_cast<size_t>(o)] = pos;
        }
        break;
      }
    }
  });
  if (op == Red::mean)
    for (auto& a : acc) a /= static_cast<double>(count);
  if (op == Red::argmax || op == Red::argmin) return best_idx;
  if (op == Red::sum)
    for (size_t i = 0; i < acc.size(); ++i)
      if (!seen[i]) acc[i] = 0.0;
  return acc;
}

// ---- Tensors from host data ---------------------------------------------------------------

/// Rounds each value to what `d` holds (f32 rounding, integer truncation, bool != 0).
inline std::vector<double> rounded(const std::vector<double>& v, DType d) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    switch (d) {
      case DType::f32: out[i] = static_cast<double>(static_cast<float>(v[i])); break;
      case DType::f64: out[i] = v[i]; break;
      case DType::i32: out[i] = static_cast<double>(static_cast<int32_t>(v[i])); break;
      case DType::i64: out[i] = static_cast<double>(static_cast<int64_t>(v[i])); break;
      case DType::boolean: out[i] = v[i] != 0.0 ? 1.0 : 0.0; break;
    }
  }
  return out;
}

/// A tensor of dtype `d` holding `v` (converted as static_cast would).
inline Tensor make(const std::vector<double>& v, const Shape& s, DType d = DType::f32) {
  switch (d) {
    case DType::f32: {
      std::vector<float> x(v.begin(), v.end());
      return Tensor::from(x, s);
    }
    case DType::f64: return Tensor::from(v, s);
    case DType::i32: {
      std::vector<int32_t> x(v.size());
      for (size_t i = 0; i < v.size(); ++i) x[i] = static_cast<int32_t>(v[i]);
      return Tensor::from(x, s);
    }
    case DType::i64: {
      std::vector<int64_t> x(v.size());
      for (size_t i = 0; i < v.size(); ++i) x[i] = static_cast<int64_t>(v[i]);
      return Tensor::from(x, s);
    }
    case DType::boolean: {
      std::vector<bool> x(v.size());
      for (size_t i = 0; i < v.size(); ++i) x[i] = v[i] != 0.0;
      return Tensor::from(x, s);
    }
  }
  return {};
}

/// The values of a tensor, read in its own dtype and widened to double.
inline std::vector<double> values(const Tensor& t) {
  switch (t.dtype()) {
    case DType::f32: {
      auto x = t.to_vector<float>();
      return {x.begin(), x.end()};
    }
    case DType::f64: return t.to_vector<double>();
    case DType::i32: {
      auto x = t.to_vector<int32_t>();
      return {x.begin(), x.end()};
    }
    case DType::i64: {
      auto x = t.to_vector<int64_t>();
      std::vector<double> out(x.size());
      for (size_t i = 0; i < x.size(); ++i) out[i] = static_cast<double>(x[i]);
      return out;
    }
    case DType::boolean: {
      auto x = t.to_vector<bool>();
      std::vector<double> out(x.size());
      for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] ? 1.0 : 0.0;
      return out;
    }
  }
  return {};
}

inline std::string dtype_str(DType d) { return std::string(kiln::dtype_name(d)); }

// ---- Comparison ---------------------------------------------------------------------------

inline bool close(double got, double want, Tol tol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isnan(got)) return false;
  if (std::isinf(want) || std::isinf(got)) return got == want;
  return std::fabs(got - want) <= tol.abs + tol.rel * std::fabs(want);
}

/// Empty when `t` has shape `shape`, dtype `dtype` and values within `tol` of `want`
/// (rounded to `dtype` first); otherwise a description of the first mismatch.
inline std::string compare(const Tensor& t, const std::vector<double>& want, const Shape& shape,
                           DType dtype, Tol tol) {
  if (!t.defined()) return "tensor is undefined";
  std::ostringstream os;
  if (t.dtype() != dtype) {
    os << "dtype " << dtype_str(t.dtype()) << ", expected " << dtype_str(dtype);
    return os.str();
  }
  if (t.shape() != shape) {
    os << "shape " << shape_string(t.shape()) << ", expected " << shape_string(shape);
    return os.str();
  }
  if (static_cast<int64_t>(want.size()) != numel(shape)) {
    os << "TEST BUG: reference has " << want.size() << " values for shape " << shape_string(shape);
    return os.str();
  }
  auto got = values(t);
  auto w = rounded(want, dtype);
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!close(got[i], w[i], tol)) {
      if (first < 0) first = static_cast<int64_t>(i);
      ++bad;
    }
  }
  if (bad == 0) return "";
  auto idx = unravel(first, shape);
  os.precision(17);
  os << bad << " of " << w.size() << " elements differ; first at flat index " << first << " [";
  for (size_t i = 0; i < idx.size(); ++i) os << (i ? ", " : "") << idx[i];
  os << "]: got " << got[static_cast<size_t>(first)] << ", expected "
     << w[static_cast<size_t>(first)] << " (tolerance rel " << tol.rel << ", abs " << tol.abs
     << "; shape " << shape_string(shape) << ", dtype " << dtype_str(dtype) << ")";
  return os.str();
}

/// What an expression throws: its message for kiln::Error, a marked message for other
/// exceptions, "<no exception>" when it returns.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const kiln::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a kiln::Error> ") + e.what();
  } catch (...) {
    return "<not a std::exception>";
  }
  return "<no exception>";
}

}  // namespace kt

/// CHECK_TENSOR(t, want, shape, dtype, tol): checks that tensor `t` has `shape`, `dtype`
/// and values close to the f64 reference `want` within `tol`; prints the first mismatch.
/// (Variadic so that braced shapes like Shape{2, 3} pass through.)
#define CHECK_TENSOR(...)                                      \
  do {                                                         \
    std::string kt_mismatch_ = ::kt::compare(__VA_ARGS__);     \
    CHECK(kt_mismatch_ == "");                                 \
  } while (0)

#define REQUIRE_TENSOR(...)                                    \
  do {                                                         \
    std::string kt_mismatch_ = ::kt::compare(__VA_ARGS__);     \
    REQUIRE(kt_mismatch_ == "");                               \
  } while (0)
