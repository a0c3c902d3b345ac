// The row kernels' elementary functions (softmax, cross-entropy, random_normal) and the f32
// sin/cos split loop of the unary kernel: runtime/math_algorithms.h instantiated for float
// and double, as the unary ops' definitions (runtime/unary_ops.h) and the JIT use them, so
// compiled and eager results are bit-identical. The loops that call these vectorize (GCC,
// -O3 -fno-trapping-math; the selects become blends). Accuracy: ACCURACY.md. f32 sin/cos of
// |x| > kTrigMax (and inf, NaN) call the C library: callers run `sin_reduced`/`cos_reduced`
// and then fix those elements.
#pragma once

#include "runtime/math_algorithms.h"

namespace kiln::vecmath {

// Inlined everywhere: a call inside a loop stops the loop from vectorizing.
#define KILN_VM [[gnu::always_inline]] inline

KILN_VM float exp(float x) { return mathalg::exp_f32(x); }
KILN_VM double exp(double x) { return mathalg::exp_f64(x); }
KILN_VM float log(float x) { return mathalg::log_f32(x); }
KILN_VM double log(double x) { return mathalg::log_f64(x); }

/// sin/cos of |x| <= kTrigMax (for larger x, inf and NaN see needs_libm_trig).
KILN_VM float sin_reduced(float x) { return mathalg::sin_reduced_f32(x); }
KILN_VM float cos_reduced(float x) { return mathalg::cos_reduced_f32(x); }
KILN_VM bool needs_libm_trig(float x) { return mathalg::needs_libm_trig(x); }

#undef KILN_VM

}  // namespace kiln::vecmath
