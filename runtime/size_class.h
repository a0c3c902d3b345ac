// The size classes the caching allocators (host and device) keep blocks under: a repeated
// shape reuses exactly its own block, and nearby sizes share one.
#pragma once

#include <cstddef>

namespace kiln::runtime {

inline constexpr size_t kAllocationAlignment = 64;

/// Below `min_cached`, multiples of the alignment; then powers of two up to 1 MiB, then
/// whole MiB.
inline size_t size_class(size_t bytes, size_t min_cached) {
  if (bytes == 0) bytes = 1;
  if (bytes < min_cached)
    return (bytes + kAllocationAlignment - 1) / kAllocationAlignment * kAllocationAlignment;
  constexpr size_t kMiB = size_t{1} << 20;
  if (bytes <= kMiB) {
    size_t c = min_cached;
    while (c < bytes) c <<= 1;
    return c;
  }
  return (bytes + kMiB - 1) / kMiB * kMiB;
}

}  // namespace kiln::runtime
