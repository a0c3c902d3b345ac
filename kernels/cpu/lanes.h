// Floating-point reductions that vectorize without -ffast-math: sixteen independent lane
// accumulators (the compiler maps them onto vector registers) over blocks, with block
// totals carried in the wider accumulator type so long rows keep their accuracy.
#pragma once

#include <cstdint>

#include "runtime/extremes.h"

namespace kiln::kernels {

/// Sum of n values; float input accumulates block totals in double.
template <class T>
auto lane_sum(const T* x, int64_t n) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  constexpr int kLanes = 16, kBlock = 512;
  Acc total = 0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    T acc[kLanes] = {};
    for (int64_t k = 0; k < kBlock; k += kLanes)
      for (int j = 0; j < kLanes; ++j) acc[j] += x[i + k + j];
    Acc block = 0;
    for (int j = 0; j < kLanes; ++j) block += acc[j];
    total += block;
  }
  for (; i < n; ++i) total += x[i];
  return total;
}

/// Maximum (Max = true) or minimum of n >= 1 values; NaN propagates, -0 < +0.
template <bool Max, class T>
T lane_extreme(const T* x, int64_t n) {
  constexpr int kLanes = 16;
  T acc[kLanes];
  for (int j = 0; j < kLanes; ++j) acc[j] = x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      acc[j] = extreme<Max>(acc[j], x[i + j]);
    }
  T r = acc[0];
  for (int j = 1; j < kLanes; ++j) r = extreme<Max>(r, acc[j]);
  for (; i < n; ++i) r = extreme<Max>(r, x[i]);
  return r;
}

}  // namespace kiln::kernels
