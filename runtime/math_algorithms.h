// The elementary functions of kiln, written once for every place that computes them: the
// eager CPU kernels instantiate these templates with float/double (kernels/cpu/vec_math.h)
// and the JIT with IR values that emit arith ops (passes/IRNumber.h), so a compiled kernel
// computes exactly the operations, in exactly the order and rounding, of the eager kernel:
// eager and jit agree bit for bit, and ACCURACY.md's bounds hold for both.
//
// Branch-free: range reduction plus polynomials, special values (inf, NaN, underflow) by
// selects, so that GCC vectorizes the loops that call them and the JIT emits vector code.
// Every a*b+c that a polynomial or a reduction needs is an explicit fma; nothing else may
// be contracted (the kernels build with -ffp-contract=off and the JIT emits no `contract`),
// so both sides round the same way.
//
// The number type F provides +, -, *, / and comparisons (also with C++ constants), and
// the free functions select, fma, fabs, copysign, bits, from_bits, to_floating, widen,
// narrow, narrow_int, wrap_sub and the libm_* escapes (f64 and huge-argument cases) found by
// overload or argument-dependent lookup; this header provides them for float, double,
// int32_t and int64_t.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace kiln::mathalg {

#define KILN_MATH [[gnu::always_inline]] inline

// ---- the scalar primitives -----------------------------------------------------------------
template <class T>
KILN_MATH T select(bool c, T a, T b) {
  return c ? a : b;
}
KILN_MATH float fma(float a, float b, float c) { return std::fma(a, b, c); }
KILN_MATH double fma(double a, double b, double c) { return std::fma(a, b, c); }
KILN_MATH float fabs(float x) { return std::fabs(x); }
KILN_MATH double fabs(double x) { return std::fabs(x); }
KILN_MATH float copysign(float a, float b) { return std::copysign(a, b); }
KILN_MATH double copysign(double a, double b) { return std::copysign(a, b); }
KILN_MATH int32_t bits(float x) { return std::bit_cast<int32_t>(x); }
KILN_MATH int64_t bits(double x) { return std::bit_cast<int64_t>(x); }
KILN_MATH float from_bits(int32_t i) { return std::bit_cast<float>(i); }
KILN_MATH double from_bits(int64_t i) { return std::bit_cast<double>(i); }
KILN_MATH float to_floating(int32_t i) { return static_cast<float>(i); }
KILN_MATH double to_floating(int64_t i) { return static_cast<double>(i); }
KILN_MATH double widen(float x) { return x; }
KILN_MATH float narrow(double x) { return static_cast<float>(x); }
KILN_MATH int32_t narrow_int(int64_t i) { return static_cast<int32_t>(i); }
/// a - b wrapping (two's complement), as the IR's arith.subi does: for arguments whose
/// reduction is computed and then discarded (huge sin/cos arguments), where it overflows.
KILN_MATH int64_t wrap_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
// f64 functions kiln takes from the C library (the accuracy path, not the speed path), and
// f32 sin/cos of arguments the vector reduction does not cover.
KILN_MATH double libm_exp(double x) { return std::exp(x); }
KILN_MATH double libm_log(double x) { return std::log(x); }
KILN_MATH double libm_log1p(double x) { return std::log1p(x); }
KILN_MATH double libm_tanh(double x) { return std::tanh(x); }
KILN_MATH double libm_erf(double x) { return std::erf(x); }
KILN_MATH double libm_erfc(double x) { return std::erfc(x); }
KILN_MATH double libm_sin(double x) { return std::sin(x); }
KILN_MATH double libm_cos(double x) { return std::cos(x); }
KILN_MATH float libm_sin(float x) { return std::sin(x); }
KILN_MATH float libm_cos(float x) { return std::cos(x); }

// ---- exp -----------------------------------------------------------------------------------
// exp(x) = 2^n * exp(r), n = round(x / ln2), |r| <= ln2/2, exp(r) by its Taylor polynomial.
// 2^n is assembled from exponent bits in two halves so that results down in the subnormal
// range come out right.

/// x = n ln2 + r with n an integer and |r| <= ln2/2 (Cody-Waite: ln2 in two parts; n*C1 is
/// exact, so the first step loses nothing). Returns r; n in `n`.
template <class F, class I>
KILN_MATH F reduce_ln2(F x, I& n) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  F t = fma(x, 1.44269504088896341f, kMagic);
  F nf = t - kMagic;
  n = bits(t) - std::bit_cast<int32_t>(kMagic);
  F r = fma(nf, -0.693359375f, x);
  return fma(nf, 2.12194440e-4f, r);
}

/// exp(r) for |r| <= ln2/2: the Taylor polynomial to r^7.
template <class F>
KILN_MATH F exp_poly_f32(F r) {
  F p = fma(r, 1.0f / 5040, 1.0f / 720);
  p = fma(p, r, 1.0f / 120);
  p = fma(p, r, 1.0f / 24);
  p = fma(p, r, 1.0f / 6);
  p = fma(p, r, 0.5f);
  p = fma(p, r, 1.0f);
  return fma(p, r, 1.0f);
}

template <class F>
KILN_MATH F exp_f32(F x) {
  constexpr float kHi = 88.72283935546875f, kLo = -103.972084045410156f;
  F xc = select(x > kHi, kHi, select(x < kLo, kLo, x));
  decltype(bits(x)) ni;
  F r = reduce_ln2(xc, ni);
  F p = exp_poly_f32(r);
  auto n1 = ni >> 1;
  auto n2 = ni - n1;
  F y = p * from_bits((n1 + 127) << 23) * from_bits((n2 + 127) << 23);
  y = select(x > kHi, std::numeric_limits<float>::infinity(), y);
  y = select(x < kLo, 0.0f, y);
  return select(x != x, x, y);
}

/// exp in f64: the C library's (glibc: under 1 ulp; f64 is the accuracy path).
template <class F>
KILN_MATH F exp_f64(F x) {
  return libm_exp(x);
}

// ---- log -----------------------------------------------------------------------------------
// x = 2^e * m with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1).
/// log in f64 (~2 ulp in f64): the core of the f32 log, which rounds it to f32 once
/// (0.5 ulp). f64's own log is the C library's (below).
template <class F>
KILN_MATH F log_f64_poly(F x) {
  auto sub = x < 2.2250738585072014e-308;
  F xs = select(sub, x * 4503599627370496.0, x);  // 2^52
  auto b = bits(xs);
  auto e = ((b >> 52) & 0x7ff) - 1023;
  e = select(sub, e - 52, e);
  F m = from_bits((b & int64_t{0x000fffffffffffff}) | int64_t{0x3ff0000000000000});
  auto big = m > 1.4142135623730951;
  m = select(big, m * 0.5, m);
  F ef = to_floating(select(big, e + 1, e));
  F s = (m - 1.0) / (m + 1.0);
  F z = s * s;
  F p = fma(z, 1.0 / 23, 1.0 / 21);
  p = fma(p, z, 1.0 / 19);
  p = fma(p, z, 1.0 / 17);
  p = fma(p, z, 1.0 / 15);
  p = fma(p, z, 1.0 / 13);
  p = fma(p, z, 1.0 / 11);
  p = fma(p, z, 1.0 / 9);
  p = fma(p, z, 1.0 / 7);
  p = fma(p, z, 1.0 / 5);
  p = fma(p, z, 1.0 / 3);
  p = fma(p, z, 1.0);
  F y = fma(ef, 6.93147180369123816490e-01, fma(ef, 1.90821492927058770002e-10, s * 2.0 * p));
  y = select(x == std::numeric_limits<double>::infinity(), x, y);
  y = select(x == 0.0, -std::numeric_limits<double>::infinity(), y);
  y = select(x < 0.0, std::numeric_limits<double>::quiet_NaN(), y);
  return select(x != x, x, y);
}

template <class F>
KILN_MATH F log_f32(F x) {
  return narrow(log_f64_poly(widen(x)));  // f32's subnormals are f64 normals
}
template <class F>
KILN_MATH F log_f64(F x) {
  return libm_log(x);
}

// ---- log1p, softplus -------------------------------------------------------------------
/// log(1 + x) in f64 from log_f64_poly, for the f32 paths: with u = 1 + x rounded,
/// log(u) * x / (u - 1) cancels u's rounding error (Goldberg 1991; x itself when u == 1).
template <class F>
KILN_MATH F log1p_f64_poly(F x) {
  F u = x + 1.0;
  F y = select(u == 1.0, x, log_f64_poly(u) * (x / (u - 1.0)));
  return select(x == std::numeric_limits<double>::infinity(), x, y);  // inf/inf above
}

template <class F>
KILN_MATH F log1p_f32(F x) {
  return narrow(log1p_f64_poly(widen(x)));  // one rounding to f32
}
template <class F>
KILN_MATH F log1p_f64(F x) {
  return libm_log1p(x);
}

/// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): e^-|x| <= 1, so nothing overflows, and the
/// tail for large negative x (where the result is e^x) keeps its relative accuracy.
template <class F>
KILN_MATH F softplus_f32(F x) {
  F e = exp_f32(-fabs(x));
  auto d = widen(x);
  auto pos = select(d > 0.0, d, 0.0);  // max(x, 0): NaN goes on through e
  return narrow(pos + log1p_f64_poly(widen(e)));
}
template <class F>
KILN_MATH F softplus_f64(F x) {
  F pos = select(x > 0.0, x, 0.0);
  return pos + libm_log1p(libm_exp(-fabs(x)));
}

// ---- tanh, sigmoid -------------------------------------------------------------------------
/// expm1(y) for -20 <= y <= 0: 2^n (expm1(r) + 1) - 1 = 2^n expm1(r) + (2^n - 1), where
/// 2^n - 1 is exact and expm1(r) keeps full relative accuracy for small r.
template <class F>
KILN_MATH F expm1_nonpositive_f32(F y) {
  decltype(bits(y)) ni;
  F r = reduce_ln2(y, ni);
  F p = fma(r, 1.0f / 5040, 1.0f / 720);
  p = fma(p, r, 1.0f / 120);
  p = fma(p, r, 1.0f / 24);
  p = fma(p, r, 1.0f / 6);
  p = fma(p, r, 0.5f);
  F em = fma(r * r, p, r);
  F scale = from_bits((ni + 127) << 23);
  return fma(scale, em, scale - 1.0f);
}

/// tanh|x| = -expm1(-2|x|) / (2 + expm1(-2|x|)): one exponential, one division, accurate
/// near 0 without a second polynomial. |x| is clamped at 9.1, where tanh rounds to 1.
template <class F>
KILN_MATH F tanh_f32(F x) {
  F ax = fabs(x);
  F em = expm1_nonpositive_f32(select(ax > 9.1f, 9.1f, ax) * -2.0f);
  F y = copysign(-em / (em + 2.0f), x);
  return select(x != x, x, y);
}

/// 1 / (1 + e^-x), as e / (1 + e) for x < 0 with e = e^x: no overflow, and the tail down in
/// the subnormals (1 / (1 + e^-x) gave 0 there) keeps its accuracy.
template <class F>
KILN_MATH F sigmoid_f32(F x) {
  F e = exp_f32(-fabs(x));
  F d = e + 1.0f;
  return select(x >= 0.0f, 1.0f / d, e / d);
}
template <class F>
KILN_MATH F sigmoid_f64(F x) {
  F e = exp_f64(-fabs(x));
  F d = e + 1.0;
  return select(x >= 0.0, 1.0 / d, e / d);
}

// ---- erf, erfc, gelu -----------------------------------------------------------------------
// erfc for z >= 0 (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7). The
// exponent's z*z is split with an FMA so that large z keep full relative accuracy.
/// hi + lo must equal z*z exactly: the exponent amplifies any error in z*z by z*z.
template <class F>
KILN_MATH F erfc_nonneg_f32(F z, F hi, F lo) {
  F t = 1.0f / fma(z, 0.5f, 1.0f);
  F p = fma(t, 0.17087277f, -0.82215223f);
  p = fma(p, t, 1.48851587f);
  p = fma(p, t, -1.13520398f);
  p = fma(p, t, 0.27886807f);
  p = fma(p, t, -0.18628806f);
  p = fma(p, t, 0.09678418f);
  p = fma(p, t, 0.37409196f);
  p = fma(p, t, 1.00002368f);
  p = fma(p, t, -1.26551223f);
  return t * exp_f32(-hi) * exp_f32(p - lo);
}

template <class F>
KILN_MATH F erf_f32(F x) {
  F ax = fabs(x);
  F z = x * x;
  // |x| < 0.5: 2/sqrt(pi) * x * sum (-1)^n x^2n / (n! (2n+1)).
  F p = fma(z, 1.0f / 9360, -1.0f / 1320);
  p = fma(p, z, 1.0f / 216);
  p = fma(p, z, -1.0f / 42);
  p = fma(p, z, 1.0f / 10);
  p = fma(p, z, -1.0f / 3);
  p = fma(p, z, 1.0f);
  F small = x * 1.12837916709551257f * p;
  F zc = select(ax < 10.0f, ax, 10.0f);
  F hi = zc * zc;
  F large = copysign(1.0f - erfc_nonneg_f32(zc, hi, fma(zc, zc, -hi)), x);
  F y = select(ax < 0.5f, small, large);
  return select(x != x, x, y);
}

/// The exact GELU, 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2), in the erfc form
/// so that large negative x keep their (tiny) relative accuracy.
template <class F>
KILN_MATH F gelu_f32(F x) {
  // z = |x|/sqrt2 rounds, but z*z = x*x/2 is split exactly from x.
  F xc = select(fabs(x) < 28.0f, x, 28.0f);
  F z = fabs(xc) * 0.707106781186547524f;
  F hi = xc * xc;
  F lo = fma(xc, xc, -hi);
  F e = erfc_nonneg_f32(z, hi * 0.5f, lo * 0.5f);
  F y = x * 0.5f * select(x >= 0.0f, 2.0f - e, e);
  return select(x != x, x, y);
}
/// In f64 the argument -x/sqrt2 = z + dz is split (sqrt 1/2 in two parts): erfc's relative
/// slope is -2z, so the rounding of z alone would cost 2z^2 ulp (1500 near x = -38); the
/// first-order correction erfc(z + dz) = erfc(z) - dz 2/sqrt(pi) e^(-z^2) takes it back.
template <class F>
KILN_MATH F gelu_f64(F x) {
  constexpr double kHi = -0.70710678118654757, kLo = 4.8336466567264567e-17;  // -sqrt(1/2)
  F z = x * kHi;
  F dz = fma(x, kLo, fma(x, kHi, -z));
  F slope = exp_f64(-(z * z)) * 1.1283791670955126;  // 2/sqrt(pi) e^(-z^2)
  F e = libm_erfc(z);
  F corrected = select(fabs(x) < std::numeric_limits<double>::infinity(), fma(-dz, slope, e), e);
  return x * 0.5 * corrected;
}

// ---- sin, cos ------------------------------------------------------------------------------
// Reduction by pi/2 in f64, exact enough for |x| <= kTrigMax; larger arguments (and inf,
// NaN) go to the C library's sinf/cosf (needs_libm_trig), lane by lane.
inline constexpr float kTrigMax = 100000.0f;

/// x = q pi/2 + r in f64 (pi/2 to 53 bits leaves r accurate to f32 for |x| <= kTrigMax).
template <class F, class I>
KILN_MATH F reduce_half_pi_f32(F x, I& q) {
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  auto xd = widen(x);
  auto t = fma(xd, 0.63661977236758134308, kMagic);
  auto j = t - kMagic;
  q = narrow_int(wrap_sub(bits(t), std::bit_cast<int64_t>(kMagic)));
  return narrow(fma(j, -6.12323399573676603587e-17, fma(j, -1.57079632679489655800e+00, xd)));
}
template <class F>
KILN_MATH F sin_poly_f32(F r) {  // |r| <= pi/4
  F z = r * r;
  F p = fma(z, 1.0f / 362880, -1.0f / 5040);
  p = fma(p, z, 1.0f / 120);
  p = fma(p, z, -1.0f / 6);
  return fma(r * z, p, r);
}
template <class F>
KILN_MATH F cos_poly_f32(F r) {
  F z = r * r;
  F p = fma(z, -1.0f / 3628800, 1.0f / 40320);
  p = fma(p, z, -1.0f / 720);
  p = fma(p, z, 1.0f / 24);
  p = fma(p, z, -0.5f);
  return fma(z, p, 1.0f);
}
/// sin for |x| <= kTrigMax.
template <class F>
KILN_MATH F sin_reduced_f32(F x) {
  decltype(bits(x)) q;
  F r = reduce_half_pi_f32(x, q);
  F s = sin_poly_f32(r), c = cos_poly_f32(r);
  F y = select((q & 1) != 0, c, s);
  return select((q & 2) != 0, -y, y);
}
/// cos for |x| <= kTrigMax.
template <class F>
KILN_MATH F cos_reduced_f32(F x) {
  decltype(bits(x)) q;
  F r = reduce_half_pi_f32(x, q);
  F s = sin_poly_f32(r), c = cos_poly_f32(r);
  F y = select((q & 1) != 0, s, c);
  return select(((q + 1) & 2) != 0, -y, y);
}
/// Arguments sin_reduced/cos_reduced do not cover (also inf and NaN).
template <class F>
KILN_MATH auto needs_libm_trig(F x) {
  return !(fabs(x) <= kTrigMax);
}

#undef KILN_MATH

}  // namespace kiln::mathalg
