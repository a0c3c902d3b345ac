// The eager kernels' elementary functions: runtime/math_algorithms.h instantiated for
// float and double. The JIT instantiates the same templates for its IR (passes/IRNumber.h),
// so compiled and eager results are bit-identical. The loops that call these vectorize
// (GCC, -O3 -fno-trapping-math; the selects become blends). Accuracy: ACCURACY.md.
//
// f32: every function is kiln's own (vector code). f64 is the accuracy path rather than the
// speed path: exp, log, tanh, erf, sin, cos and gelu's erfc are the C library's. f32 sin/cos of |x| > kTrigMax (and inf, NaN) also call the
// C library: callers run `sin_reduced`/`cos_reduced` and then fix those elements.
#pragma once

#include "runtime/math_algorithms.h"

namespace kiln::vecmath {

// Inlined everywhere: a call inside a loop stops the loop from vectorizing.
#define KILN_VM [[gnu::always_inline]] inline

KILN_VM float exp(float x) { return mathalg::exp_f32(x); }
KILN_VM double exp(double x) { return mathalg::exp_f64(x); }
KILN_VM float log(float x) { return mathalg::log_f32(x); }
KILN_VM double log(double x) { return mathalg::log_f64(x); }
KILN_VM float tanh(float x) { return mathalg::tanh_f32(x); }
KILN_VM double tanh(double x) { return mathalg::libm_tanh(x); }
KILN_VM float sigmoid(float x) { return mathalg::sigmoid_f32(x); }
KILN_VM double sigmoid(double x) { return mathalg::sigmoid_f64(x); }
KILN_VM float erf(float x) { return mathalg::erf_f32(x); }
KILN_VM double erf(double x) { return mathalg::libm_erf(x); }
KILN_VM float gelu(float x) { return mathalg::gelu_f32(x); }
KILN_VM double gelu(double x) { return mathalg::gelu_f64(x); }

/// sin/cos of |x| <= kTrigMax (for larger x, inf and NaN see needs_libm_trig).
KILN_VM float sin_reduced(float x) { return mathalg::sin_reduced_f32(x); }
KILN_VM float cos_reduced(float x) { return mathalg::cos_reduced_f32(x); }
KILN_VM bool needs_libm_trig(float x) { return mathalg::needs_libm_trig(x); }
/// The whole range (one element: callers that cannot split the loop, e.g. random_normal).
KILN_VM float sin(float x) { return needs_libm_trig(x) ? mathalg::libm_sin(x) : sin_reduced(x); }
KILN_VM float cos(float x) { return needs_libm_trig(x) ? mathalg::libm_cos(x) : cos_reduced(x); }
KILN_VM double sin(double x) { return mathalg::libm_sin(x); }
KILN_VM double cos(double x) { return mathalg::libm_cos(x); }

#undef KILN_VM

}  // namespace kiln::vecmath
