// Integer arithmetic that wraps (two's complement) instead of being undefined, shared by
// the CPU kernels and the CUDA kernels (nvcc compiles it for the device too), so that
// both backends give the same bits for the same integer op.
#pragma once

#include <type_traits>

#ifdef __CUDACC__
#define KILN_HOST_DEVICE __host__ __device__
#else
#define KILN_HOST_DEVICE
#endif

namespace kiln {

/// a + b, wrapping for integers (plain + for floating types, so sums can share it).
template <class T>
KILN_HOST_DEVICE inline T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <class T>
KILN_HOST_DEVICE inline T wrap_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <class T>
KILN_HOST_DEVICE inline T wrap_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

/// base^exponent for exponent >= 0 (the callers refuse negative ones), wrapping.
template <class T>
KILN_HOST_DEVICE inline T int_pow(T base, T exponent) {
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    exponent >>= 1;
  }
  return result;
}

}  // namespace kiln
