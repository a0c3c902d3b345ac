// maximum and minimum as every kiln kernel computes them (CPU and CUDA; nvcc compiles this
// for the device too), elementwise and in reductions: IEEE 754-2019's maximum/minimum, the
// semantics of the JIT's arith.maximumf/minimumf, so that eager and compiled results agree
// on every input: a NaN operand wins, and -0 < +0 (max(-0, +0) is +0, min is -0).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "runtime/integer_math.h"  // KILN_HOST_DEVICE

namespace kiln {

/// Whether maximum (Max) or minimum of {a, b} is b. Branch-free, so loops vectorize.
template <bool Max, class T>
KILN_HOST_DEVICE inline bool extreme_is_second(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
#ifdef __CUDA_ARCH__
    const bool sa = ::signbit(a), sb = ::signbit(b);
#else
    // The sign bits as integers: std::signbit kept GCC from vectorizing the f64 loop (a
    // scalar loop, 9x slower than f32's).
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    constexpr int kTop = 8 * sizeof(T) - 1;
    const bool sa = (std::bit_cast<Bits>(a) >> kTop) != 0;
    const bool sb = (std::bit_cast<Bits>(b) >> kTop) != 0;
#endif
    const bool nan_b = (b != b) & (a == a);  // NaN wins (the first one, if both are)
    const bool zeros = (a == b) & (Max ? (sa & !sb) : (!sa & sb));  // -0 < +0
    return nan_b | (Max ? b > a : b < a) | zeros;
  } else {
    return Max ? b > a : b < a;
  }
}

template <bool Max, class T>
KILN_HOST_DEVICE inline T extreme(T a, T b) {
  return extreme_is_second<Max>(a, b) ? b : a;
}

}  // namespace kiln
