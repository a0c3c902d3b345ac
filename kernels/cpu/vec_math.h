// Branch-free elementary functions that GCC and Clang vectorize (AVX2/FMA here): range
// reduction plus polynomials, with special values (inf, NaN, underflow) handled by
// selects rather than branches. Scalar libm calls cost ~20 ns per element for tanh on
// these machines (TOOLCHAIN.md); these run at memory bandwidth in a loop.
//
// Accuracy (checked against f64 references in test/test_elementwise.cpp): f32 exp, log,
// tanh, sigmoid, sin, cos within a few ulp; erf and gelu within ~2e-7 relative (their
// erfc core is a Chebyshev fit with fractional error below 1.2e-7). f64 exp and log are
// vectorized the same way to ~1 ulp; the other f64 functions call libm, since f64 is the
// accuracy path rather than the speed path.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace kiln::vecmath {

// Inlined everywhere: a call inside a loop stops the loop from vectorizing.
#define KILN_VM [[gnu::always_inline]] inline

// ---- exp ---------------------------------------------------------------------------------
// exp(x) = 2^n * exp(r), n = round(x / ln2), |r| <= ln2/2, exp(r) by its Taylor polynomial.
// 2^n is assembled from exponent bits in two halves so that results down in the
// subnormal range come out right.
/// x = n ln2 + r with n an integer and |r| <= ln2/2 (Cody-Waite: ln2 in two parts).
struct Ln2Reduced {
  float r;
  int32_t n;
};
KILN_VM Ln2Reduced reduce_ln2(float x) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float t = x * 1.44269504088896341f + kMagic;
  float n = t - kMagic;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  return {r, std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kMagic)};
}

KILN_VM float exp(float x) {
  constexpr float kHi = 88.72283935546875f, kLo = -103.972084045410156f;
  float xc = x > kHi ? kHi : (x < kLo ? kLo : x);
  auto [r, ni] = reduce_ln2(xc);
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float s1 = std::bit_cast<float>((n1 + 127) << 23);
  float s2 = std::bit_cast<float>((n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x > kHi ? std::numeric_limits<float>::infinity() : y;
  y = x < kLo ? 0.0f : y;
  return x != x ? x : y;
}

KILN_VM double exp(double x) {
  constexpr double kHi = 709.782712893383973, kLo = -745.133219101941108;
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  double xc = x > kHi ? kHi : (x < kLo ? kLo : x);
  double t = xc * 1.44269504088896340736 + kMagic;
  double n = t - kMagic;
  int64_t ni = std::bit_cast<int64_t>(t) - std::bit_cast<int64_t>(kMagic);
  double r = xc - n * 6.93147180369123816490e-01;
  r = r - n * 1.90821492927058770002e-10;
  double p = 1.0 / 479001600;  // 1/12!
  p = p * r + 1.0 / 39916800;
  p = p * r + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t n1 = ni >> 1, n2 = ni - n1;
  double s1 = std::bit_cast<double>((n1 + 1023) << 52);
  double s2 = std::bit_cast<double>((n2 + 1023) << 52);
  double y = p * s1 * s2;
  y = x > kHi ? std::numeric_limits<double>::infinity() : y;
  y = x < kLo ? 0.0 : y;
  return x != x ? x : y;
}

// ---- log ---------------------------------------------------------------------------------
// x = 2^e * m with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1).
KILN_VM float log(float x) {
  bool sub = x < 1.17549435e-38f;  // subnormal (or zero/negative): scale up first
  float xs = sub ? x * 8388608.0f : x;
  int32_t bits = std::bit_cast<int32_t>(xs);
  int32_t e = ((bits >> 23) & 0xff) - 127 - (sub ? 23 : 0);
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000);
  bool big = m > 1.41421356f;
  m = big ? m * 0.5f : m;
  float ef = static_cast<float>(e + (big ? 1 : 0));
  float s = (m - 1.0f) / (m + 1.0f);
  float z = s * s;
  float p = 1.0f / 11;
  p = p * z + 1.0f / 9;
  p = p * z + 1.0f / 7;
  p = p * z + 1.0f / 5;
  p = p * z + 1.0f / 3;
  p = p * z + 1.0f;
  float y = ef * 0.693359375f + (ef * -2.12194440e-4f + 2.0f * s * p);
  y = x == std::numeric_limits<float>::infinity() ? x : y;
  y = x == 0.0f ? -std::numeric_limits<float>::infinity() : y;
  y = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : y;
  return x != x ? x : y;
}

KILN_VM double log(double x) {
  bool sub = x < 2.2250738585072014e-308;
  double xs = sub ? x * 4503599627370496.0 : x;  // 2^52
  int64_t bits = std::bit_cast<int64_t>(xs);
  int64_t e = ((bits >> 52) & 0x7ff) - 1023 - (sub ? 52 : 0);
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL);
  bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  double ef = static_cast<double>(e + (big ? 1 : 0));
  double s = (m - 1.0) / (m + 1.0);
  double z = s * s;
  double p = 1.0 / 23;
  p = p * z + 1.0 / 21;
  p = p * z + 1.0 / 19;
  p = p * z + 1.0 / 17;
  p = p * z + 1.0 / 15;
  p = p * z + 1.0 / 13;
  p = p * z + 1.0 / 11;
  p = p * z + 1.0 / 9;
  p = p * z + 1.0 / 7;
  p = p * z + 1.0 / 5;
  p = p * z + 1.0 / 3;
  p = p * z + 1.0;
  double y = ef * 6.93147180369123816490e-01 + (ef * 1.90821492927058770002e-10 + 2.0 * s * p);
  y = x == std::numeric_limits<double>::infinity() ? x : y;
  y = x == 0.0 ? -std::numeric_limits<double>::infinity() : y;
  y = x < 0.0 ? std::numeric_limits<double>::quiet_NaN() : y;
  return x != x ? x : y;
}

// ---- tanh, sigmoid -------------------------------------------------------------------------
/// expm1(y) for -20 <= y <= 0: 2^n (expm1(r) + 1) - 1 = 2^n expm1(r) + (2^n - 1), where
/// 2^n - 1 is exact and expm1(r) keeps full relative accuracy for small r.
KILN_VM float expm1_nonpositive(float y) {
  auto [r, ni] = reduce_ln2(y);
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  float em = r + r * r * p;
  float scale = std::bit_cast<float>((ni + 127) << 23);
  return scale * em + (scale - 1.0f);
}

/// tanh|x| = -expm1(-2|x|) / (2 + expm1(-2|x|)): one exponential, one division, accurate
/// near 0 without a second polynomial. |x| is clamped at 9.1, where tanh rounds to 1.
KILN_VM float tanh(float x) {
  float ax = std::fabs(x);
  float em = expm1_nonpositive(-2.0f * (ax > 9.1f ? 9.1f : ax));
  return std::copysign(-em / (2.0f + em), x);
}
KILN_VM double tanh(double x) { return std::tanh(x); }

template <class T>
KILN_VM T sigmoid(T x) {
  return T(1) / (T(1) + exp(-x));
}

// ---- erf, erfc, gelu -----------------------------------------------------------------------
// erfc for z >= 0 (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7). The
// exponent's z*z is split with an FMA so that large z keep full relative accuracy.
/// hi + lo must equal z*z exactly: the exponent amplifies any error in z*z by z*z.
KILN_VM float erfc_nonneg(float z, float hi, float lo) {
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t + -0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t + -1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t + -0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t + -1.26551223f;
  return t * exp(-hi) * exp(p - lo);
}
KILN_VM float erfc_nonneg(float z) {
  float hi = z * z;
  return erfc_nonneg(z, hi, std::fma(z, z, -hi));
}

KILN_VM float erf(float x) {
  float ax = std::fabs(x);
  float z = x * x;
  // |x| < 0.5: 2/sqrt(pi) * x * sum (-1)^n x^2n / (n! (2n+1)).
  float p = 1.0f / 9360;
  p = p * z + -1.0f / 1320;
  p = p * z + 1.0f / 216;
  p = p * z + -1.0f / 42;
  p = p * z + 1.0f / 10;
  p = p * z + -1.0f / 3;
  p = p * z + 1.0f;
  float small = 1.12837916709551257f * x * p;
  float large = std::copysign(1.0f - erfc_nonneg(ax < 10.0f ? ax : 10.0f), x);
  float y = ax < 0.5f ? small : large;
  return x != x ? x : y;
}
KILN_VM double erf(double x) { return std::erf(x); }

/// The exact GELU, 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2), in the erfc form
/// so that large negative x keep their (tiny) relative accuracy.
KILN_VM float gelu(float x) {
  // z = |x|/sqrt2 rounds, but z*z = x*x/2 is split exactly from x.
  float xc = std::fabs(x) < 28.0f ? x : 28.0f;
  float z = std::fabs(xc) * 0.707106781186547524f;
  float hi = xc * xc;
  float lo = std::fma(xc, xc, -hi);
  float e = erfc_nonneg(z, 0.5f * hi, 0.5f * lo);
  float y = 0.5f * x * (x >= 0.0f ? 2.0f - e : e);
  return x != x ? x : y;
}
KILN_VM double gelu(double x) { return 0.5 * x * std::erfc(-x * 0.70710678118654752440); }

// ---- sin, cos ----------------------------------------------------------------------------
// Reduction by pi/2 in f64, exact enough for |x| <= kTrigMax;
// callers send larger arguments to libm (see needs_libm_trig).
inline constexpr float kTrigMax = 100000.0f;

KILN_VM void reduce_half_pi(float x, float& r, int32_t& q) {
  // In f64: pi/2 to 53 bits leaves r accurate to f32 for every |x| <= kTrigMax.
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  double xd = x;
  double t = xd * 0.63661977236758134308 + kMagic;
  double j = t - kMagic;
  q = static_cast<int32_t>(std::bit_cast<int64_t>(t) - std::bit_cast<int64_t>(kMagic));
  r = static_cast<float>((xd - j * 1.57079632679489655800e+00) - j * 6.12323399573676603587e-17);
}
KILN_VM float sin_poly(float r) {  // |r| <= pi/4
  float z = r * r;
  float p = 1.0f / 362880;
  p = p * z + -1.0f / 5040;
  p = p * z + 1.0f / 120;
  p = p * z + -1.0f / 6;
  return r + r * z * p;
}
KILN_VM float cos_poly(float r) {
  float z = r * r;
  float p = -1.0f / 3628800;
  p = p * z + 1.0f / 40320;
  p = p * z + -1.0f / 720;
  p = p * z + 1.0f / 24;
  p = p * z + -0.5f;
  return 1.0f + z * p;
}
KILN_VM float sin(float x) {
  float r;
  int32_t q;
  reduce_half_pi(x, r, q);
  float s = sin_poly(r), c = cos_poly(r);
  float y = (q & 1) ? c : s;
  return (q & 2) ? -y : y;
}
KILN_VM float cos(float x) {
  float r;
  int32_t q;
  reduce_half_pi(x, r, q);
  float s = sin_poly(r), c = cos_poly(r);
  float y = (q & 1) ? s : c;
  return ((q + 1) & 2) ? -y : y;
}
KILN_VM double sin(double x) { return std::sin(x); }
KILN_VM double cos(double x) { return std::cos(x); }
/// Arguments the vector sin/cos do not reduce accurately (also inf and NaN).
KILN_VM bool needs_libm_trig(float x) { return !(std::fabs(x) <= kTrigMax); }

#undef KILN_VM

}  // namespace kiln::vecmath
