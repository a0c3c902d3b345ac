#include "accuracy.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

namespace kiln::accuracy {
namespace {

using LD = long double;

bool is_f32(DType d) { return d == DType::f32; }

/// The spacing of `d`'s values around r (the subnormal spacing below the normal range).
LD ulp(LD r, DType d) {
  const int p = is_f32(d) ? 24 : 53, emin = is_f32(d) ? -126 : -1022;
  int e = 0;
  if (r != 0) std::frexp(std::fabs(r), &e);  // |r| = m 2^e, m in [0.5, 1)
  const int exponent = r == 0 ? emin : std::max(e - 1, emin);
  return std::ldexp(1.0L, exponent - (p - 1));
}

LD max_finite(DType d) {
  return is_f32(d) ? static_cast<LD>(std::numeric_limits<float>::max())
                   : static_cast<LD>(std::numeric_limits<double>::max());
}

/// The error of `got` against the exact `ref` in ulps, or -1 for a special-value mismatch
/// (NaN or infinity where the correctly rounded result has none, or none where it has).
double ulp_error(double got, LD ref, DType d) {
  if (std::isnan(ref)) return std::isnan(got) ? 0 : -1;
  if (std::isnan(got)) return -1;
  const LD top = max_finite(d);
  const bool ref_rounds_to_inf = std::isinf(ref) || std::fabs(ref) >= top + ulp(top, d) / 2;
  if (std::isinf(got)) return ref_rounds_to_inf && std::signbit(got) == std::signbit(ref) ? 0 : -1;
  if (std::isinf(ref)) return -1;
  return static_cast<double>(std::fabs(static_cast<LD>(got) - ref) /
                             ulp(std::min(std::fabs(ref), top), d));
}

/// Elements from every binade (random bit patterns), a quarter from [-10, 10], and the
/// special values first.
std::vector<double> inputs(DType d, uint64_t count, uint64_t seed, bool with_specials) {
  std::mt19937_64 rng(seed);
  std::vector<double> v;
  v.reserve(count);
  if (with_specials) {
    const double inf = std::numeric_limits<double>::infinity();
    const double sub = is_f32(d) ? std::numeric_limits<float>::denorm_min()
                                 : std::numeric_limits<double>::denorm_min();
    const double top =
        is_f32(d) ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
    for (double s : {0.0, -0.0, inf, -inf, std::numeric_limits<double>::quiet_NaN(), sub, -sub, top,
                     -top, 1.0, -1.0})
      if (v.size() < count) v.push_back(s);
  }
  while (v.size() < count) {
    const uint64_t bits = rng();
    if ((bits & 3) == 0) {
      v.push_back((static_cast<double>(rng() >> 11) * 0x1.0p-53) * 20 - 10);
    } else if (is_f32(d)) {
      v.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits >> 32)));
    } else {
      v.push_back(std::bit_cast<double>(rng()));
    }
  }
  return v;
}

Tensor tensor_of(const std::vector<double>& v, size_t begin, size_t end, DType d, Shape shape) {
  if (is_f32(d))
    return Tensor::from(std::vector<float>(v.begin() + begin, v.begin() + end), std::move(shape));
  return Tensor::from(std::vector<double>(v.begin() + begin, v.begin() + end), std::move(shape));
}

/// Three callables for one function: eager, and kiln::function with jit off and on.
template <class Apply>
struct ThreeModes {
  explicit ThreeModes(Apply apply)
      : apply_(apply),
        graph_(kiln::function(Fn([apply](Tensor x) { return apply(x); }), options(false))),
        jit_(kiln::function(Fn([apply](Tensor x) { return apply(x); }), options(true))) {}
  Tensor operator()(int mode, const Tensor& x) {
    if (mode == 0) return apply_(x);
    return mode == 1 ? graph_(x) : jit_(x);
  }

 private:
  static FunctionOptions options(bool jit) {
    FunctionOptions o;
    o.jit = jit;
    o.name = jit ? "accuracy_jit" : "accuracy_graph";
    o.cache_capacity = 4;
    return o;
  }
  using Fn = std::function<Tensor(Tensor)>;
  Apply apply_;
  Function<Fn> graph_, jit_;
};

constexpr size_t kChunk = size_t{1} << 20;

/// `what` describes the element, called only for the first special mismatch.
template <class What>
void track(Measurement& m, int mode, double error, double input, const What& what) {
  if (error < 0) {
    if (m.special_mismatches[mode]++ == 0 && m.first_mismatch.empty()) m.first_mismatch = what();
    return;
  }
  if (error > m.max_error[mode]) {
    m.max_error[mode] = error;
    m.worst_input[mode] = input;
    m.worst[mode] = what();
  }
}

std::string number(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}

}  // namespace

const std::vector<Elementwise>& elementwise_functions() {
  using std::sqrt;
  static const std::vector<Elementwise> fns = [] {
    std::vector<Elementwise> f;
    auto add = [&](const char* name, double b32, double b64, const char* domain,
                   std::function<Tensor(const Tensor&)> apply, std::function<LD(LD)> ref) {
      f.push_back({name, DType::f32, b32, domain, apply, ref});
      f.push_back({name, DType::f64, b64, domain, apply, ref});
    };
    const char* all = "every input: all binades, subnormals, ±0, ±inf, NaN";
    add(
        "exp", 1, 1, all, [](const Tensor& x) { return kiln::exp(x); },
        [](LD x) { return std::exp(x); });
    add(
        "log", 1, 1, all, [](const Tensor& x) { return kiln::log(x); },
        [](LD x) { return std::log(x); });
    add(
        "log1p", 1, 1, all, [](const Tensor& x) { return kiln::log1p(x); },
        [](LD x) { return std::log1p(x); });
    add(
        "softplus", 2, 2, all, [](const Tensor& x) { return kiln::softplus(x); },
        [](LD x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); });
    add(
        "sqrt", 0.5, 0.5, all, [](const Tensor& x) { return kiln::sqrt(x); },
        [](LD x) { return std::sqrt(x); });
    add(
        "rsqrt", 2, 2, all, [](const Tensor& x) { return kiln::rsqrt(x); },
        [](LD x) { return 1 / std::sqrt(x); });
    add(
        "tanh", 3, 2.5, all, [](const Tensor& x) { return kiln::tanh(x); },
        [](LD x) { return std::tanh(x); });
    add(
        "sigmoid", 3, 3, all, [](const Tensor& x) { return kiln::sigmoid(x); },
        [](LD x) { return 1 / (1 + std::exp(-x)); });
    add(
        "sin", 2, 1, all, [](const Tensor& x) { return kiln::sin(x); },
        [](LD x) { return std::sin(x); });
    add(
        "cos", 2, 1, all, [](const Tensor& x) { return kiln::cos(x); },
        [](LD x) { return std::cos(x); });
    add(
        "erf", 3.5, 1.5, all, [](const Tensor& x) { return kiln::erf(x); },
        [](LD x) { return std::erf(x); });
    add(
        "gelu", 7.5, 20,
        "every input (f64: the largest where the result is subnormal, x < -37.5, whose "
        "rounding error x/2 multiplies)",
        [](const Tensor& x) { return kiln::gelu(x); },
        [](LD x) { return x / 2 * std::erfc(-x / std::sqrt(LD(2))); });
    return f;
  }();
  return fns;
}

namespace {

// Fixed affine parameters of layer_norm for a row length D (so the reference has them too).
LD gamma_of(int64_t j) { return 1 + std::sin(static_cast<LD>(j)) / 2; }
LD beta_of(int64_t j) { return std::cos(static_cast<LD>(j)) / 4; }

Tensor affine(int64_t D, DType d, bool gamma) {
  std::vector<double> v(static_cast<size_t>(D));
  for (int64_t j = 0; j < D; ++j)
    v[static_cast<size_t>(j)] = static_cast<double>(gamma ? gamma_of(j) : beta_of(j));
  return tensor_of(v, 0, v.size(), d, {D});
}

}  // namespace

const std::vector<Rowwise>& rowwise_functions() {
  static const std::vector<Rowwise> fns = [] {
    std::vector<Rowwise> f;
    auto softmax_ref = [](bool log) {
      return [log](const std::vector<LD>& row, std::vector<LD>& out) {
        LD m = *std::max_element(row.begin(), row.end()), s = 0;
        for (LD x : row) s += std::exp(x - m);
        out.resize(row.size());
        for (size_t i = 0; i < row.size(); ++i)
          out[i] = log ? (row[i] - m) - std::log(s) : std::exp(row[i] - m) / s;
      };
    };
    const char* spread =
        "rows of 1-1024 values ~N(0, s), s from 1e-3 to 1e3; a tenth with logits 1e7 (f32) / 1e17 "
        "(f64) apart";
    for (DType d : {DType::f32, DType::f64}) {
      const bool f32 = d == DType::f32;
      f.push_back({"softmax", d, f32 ? 8.0 : 64.0, spread,
                   [](const Tensor& x) { return kiln::softmax(x, -1); }, softmax_ref(false),
                   nullptr});
      f.push_back({"log_softmax", d, f32 ? 8.0 : 48.0, spread,
                   [](const Tensor& x) { return kiln::log_softmax(x, -1); }, softmax_ref(true),
                   nullptr});
    }
    for (DType d : {DType::f32, DType::f64})
      f.push_back({"layer_norm", d, d == DType::f32 ? 6.0 : 24.0,
                   "rows of 1-1024 values ~N(mu, s), s from 1e-3 to 1e3, |mu| <= 10 s; gamma in "
                   "[0.5, 1.5]; "
                   "in units of eps max(1, |y|) max|x| / sigma",
                   [d](const Tensor& x) {
                     const int64_t D = x.shape()[1];
                     return kiln::layer_norm(x, affine(D, d, true), affine(D, d, false), 1e-5);
                   },
                   [](const std::vector<LD>& row, std::vector<LD>& out) {
                     const LD n = static_cast<LD>(row.size());
                     LD mean = 0, var = 0;
                     for (LD x : row) mean += x;
                     mean /= n;
                     for (LD x : row) var += (x - mean) * (x - mean);
                     const LD rstd = 1 / std::sqrt(var / n + LD(1e-5));
                     out.resize(row.size());
                     for (size_t j = 0; j < row.size(); ++j)
                       out[j] = (row[j] - mean) * rstd * gamma_of(static_cast<int64_t>(j)) +
                                beta_of(static_cast<int64_t>(j));
                   },
                   [](const std::vector<LD>& row) {
                     const LD n = static_cast<LD>(row.size());
                     LD mean = 0, var = 0, far = 0;
                     for (LD x : row) mean += x, far = std::max(far, std::fabs(x));
                     mean /= n;
                     for (LD x : row) var += (x - mean) * (x - mean);
                     return std::max<LD>(1, far / std::sqrt(var / n + LD(1e-5)));
                   }});
    return f;
  }();
  return fns;
}

Measurement measure(const Elementwise& f, uint64_t samples, uint64_t seed) {
  Measurement m;
  ThreeModes modes(f.apply);
  const std::vector<double> xs = inputs(f.dtype, samples, seed, true);
  for (size_t begin = 0; begin < xs.size(); begin += kChunk) {
    const size_t end = std::min(xs.size(), begin + kChunk);
    const Tensor x = tensor_of(xs, begin, end, f.dtype, {static_cast<int64_t>(end - begin)});
    std::vector<double> got[kModes];
    for (int mode = 0; mode < kModes; ++mode) got[mode] = modes(mode, x).to_vector<double>();
    for (size_t i = 0; i < end - begin; ++i) {
      const double in = xs[begin + i];
      // The input as the dtype holds it (f32 rounds the drawn double).
      const LD arg =
          is_f32(f.dtype) ? static_cast<LD>(static_cast<float>(in)) : static_cast<LD>(in);
      const LD ref = f.reference(arg);
      for (int mode = 0; mode < kModes; ++mode)
        track(m, mode, ulp_error(got[mode][i], ref, f.dtype), static_cast<double>(arg), [&] {
          return f.name + "(" + number(static_cast<double>(arg)) + ") = " + number(got[mode][i]) +
                 " in " + kModeNames[mode] + ", exactly " + number(static_cast<double>(ref));
        });
      const uint64_t b0 = std::bit_cast<uint64_t>(got[0][i]);
      if (!(std::isnan(got[0][i]) && std::isnan(got[1][i]) && std::isnan(got[2][i])) &&
          (b0 != std::bit_cast<uint64_t>(got[1][i]) || b0 != std::bit_cast<uint64_t>(got[2][i])))
        ++m.modes_differ;
    }
    m.samples += end - begin;
  }
  return m;
}

Measurement measure(const Rowwise& f, uint64_t samples, uint64_t seed) {
  Measurement m;
  ThreeModes modes(f.apply);
  std::mt19937_64 rng(seed);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  auto normal = [&] {  // Box-Muller from the raw engine (the same on every library)
    const double u1 = std::max(unit(), 1e-300), u2 = unit();
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  };
  const bool layer_norm = f.name == "layer_norm";
  while (m.samples < samples) {
    const int64_t D = static_cast<int64_t>(std::exp(unit() * std::log(1024.0)));  // 1..1024
    const int64_t rows = std::max<int64_t>(
        1, static_cast<int64_t>(std::min<uint64_t>(kChunk, samples - m.samples)) / D);
    std::vector<double> v(static_cast<size_t>(rows * D));
    for (int64_t r = 0; r < rows; ++r) {
      const double s = std::exp((unit() * 2 - 1) * std::log(1e3));
      const double mu = layer_norm ? (unit() * 20 - 10) * s : 0;
      const bool far = !layer_norm && unit() < 0.1;
      const double apart = is_f32(f.dtype) ? 1e7 : 1e17;
      for (int64_t j = 0; j < D; ++j) {
        double x = mu + s * normal();
        if (far && unit() < 0.3) x += unit() < 0.5 ? apart : -apart;
        v[static_cast<size_t>(r * D + j)] = is_f32(f.dtype) ? static_cast<float>(x) : x;
      }
    }
    const Tensor x = tensor_of(v, 0, v.size(), f.dtype, {rows, D});
    std::vector<double> got[kModes];
    for (int mode = 0; mode < kModes; ++mode) got[mode] = modes(mode, x).to_vector<double>();
    const LD eps = is_f32(f.dtype) ? std::ldexp(1.0L, -24) : std::ldexp(1.0L, -53);
    std::vector<LD> row(static_cast<size_t>(D)), ref;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < D; ++j)
        row[static_cast<size_t>(j)] = v[static_cast<size_t>(r * D + j)];
      f.reference(row, ref);
      const LD k = f.condition ? f.condition(row) : 1;
      for (int64_t j = 0; j < D; ++j) {
        const size_t e = static_cast<size_t>(r * D + j);
        for (int mode = 0; mode < kModes; ++mode) {
          const double g = got[mode][e];
          double error;
          if (std::isnan(g) || std::isinf(g))
            error = std::isnan(ref[static_cast<size_t>(j)]) == std::isnan(g) &&
                            std::isinf(ref[static_cast<size_t>(j)]) == std::isinf(g)
                        ? 0
                        : -1;
          else
            error = static_cast<double>(
                std::fabs(g - ref[static_cast<size_t>(j)]) /
                (eps * k * std::max<LD>(1, std::fabs(ref[static_cast<size_t>(j)]))));
          track(m, mode, error, v[e], [&] {
            return f.name + " of a row of " + std::to_string(D) + ": " + number(g) + " in " +
                   kModeNames[mode] + ", exactly " +
                   number(static_cast<double>(ref[static_cast<size_t>(j)]));
          });
        }
      }
    }
    m.samples += static_cast<uint64_t>(rows * D);
  }
  return m;
}

std::string report(const std::vector<Measurement>& elementwise,
                   const std::vector<Measurement>& rowwise, uint64_t samples) {
  std::ostringstream os;
  os.precision(3);
  os << R"(# Accuracy of kiln's floating-point functions

Written by `kiln-accuracy --samples )"
     << samples << R"( --out ACCURACY.md` (tools/kiln_accuracy.cpp); the
suite checks a sample of 10^5 per row against the same bounds (test/test_accuracy.cpp).

**What is measured.** Each function runs eagerly, in graph mode (`jit = false`) and compiled
by the JIT (`jit = true`), on )"
     << samples << R"( inputs per dtype: three quarters random bit
patterns (every binade alike, both signs, subnormals, ±inf and NaN), a quarter uniform in
[-10, 10], and ±0, ±inf, NaN, the smallest subnormal and the largest finite value. The
reference is the same function in `long double` (x87, 64-bit significand). An elementwise
function's error is in **ulps** of the result's dtype at the exact value (the subnormal
spacing below the normal range); a row function's (softmax, log_softmax, layer_norm over the
last axis) in units of **eps · max(1, |y|)**, eps the dtype's unit roundoff (2^-24, 2^-53),
times the row's condition max|x| / sigma for layer_norm (the cancellation in x - mean that no
algorithm in the input's precision escapes, PyTorch's and TensorFlow's alike).

**The bound** is the contract: every mode meets it, over the whole input range. The
elementwise functions are one implementation for all three modes (runtime/math_algorithms.h,
instantiated as C++ for the eager kernels and as IR for the JIT; nothing is contracted into
FMAs across ops), so their columns agree bit for bit ("modes differ" is 0 for every row). Row
functions differ between modes only by the order of their sums.

- f32 exp, tanh, sigmoid, erf, gelu, sin, cos are kiln's own vector code; f32 log rounds an
  f64 polynomial once. sin and cos reduce arguments up to 1e5 in f64 and leave larger ones
  (and inf, NaN) to the C library's sinf/cosf, in every mode.
- f64 exp, log, tanh, erf, sin, cos (and gelu's erfc) are the C library's (glibc), which is
  the accuracy path; sigmoid and gelu are kiln's formulas around them.
- sqrt is IEEE's (correctly rounded); rsqrt is 1 / sqrt(x) (two roundings).
- Special values are exact in every mode: the "specials wrong" column counts NaN or infinity
  where the correctly rounded result has none (or none where it has one).

**fast_math.** `FunctionOptions::fast_math = true` lets the JIT contract `a * b + c` across
ops into one FMA: a result may then differ from eager's by an ulp of the product (rounded
once instead of twice), and an intermediate overflow may vanish (`x * 2 - x` at 3.4e38 is
`inf` eagerly, 3.4e38 contracted). The functions below are unaffected (their own FMAs are
written out). Off by default: compiled equals eager.

**GPU.** On CUDA devices, fused kernels run the same formulas (PTX, libdevice for the
C-library calls); the eager CUDA kernels use CUDA's math library (sinf/cosf: 2 ulp, expf:
2 ulp; its documented bounds), measured only on a device (scripts/gpu-check.sh).

)";
  os << "| function | dtype | bound | eager | graph | jit | worst at (jit) | specials wrong | "
        "domain |\n"
        "|---|---|---|---|---|---|---|---|---|\n";
  auto row = [&](const std::string& name, DType d, double bound, const char* unit,
                 const Measurement& m, const std::string& domain) {
    os << "| " << name << " | " << dtype_name(d) << " | " << bound << " " << unit << " | "
       << m.max_error[0] << " | " << m.max_error[1] << " | " << m.max_error[2] << " | "
       << number(m.worst_input[2]) << " | "
       << m.special_mismatches[0] + m.special_mismatches[1] + m.special_mismatches[2] << " | "
       << domain << " |\n";
  };
  const auto& ew = elementwise_functions();
  for (size_t i = 0; i < ew.size() && i < elementwise.size(); ++i)
    row(ew[i].name, ew[i].dtype, ew[i].bound, "ulp", elementwise[i], ew[i].domain);
  const auto& rw = rowwise_functions();
  for (size_t i = 0; i < rw.size() && i < rowwise.size(); ++i)
    row(rw[i].name, rw[i].dtype, rw[i].bound, "eps", rowwise[i], rw[i].domain);
  return os.str();
}

}  // namespace kiln::accuracy
