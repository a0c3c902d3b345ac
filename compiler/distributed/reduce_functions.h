// kiln's own reductions for the engines whose built-in ones differ from kiln's: max and min
// give NaN if either value is one and +0 over -0 for max (-0 for min), whichever rank comes
// first; booleans (bytes 0 or 1) combine as logic. The same functions for Gloo and MPI, so
// every engine gives the same bits.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace kiln::detail::distributed {

/// c[i] = max (`larger`) or min of a[i] and b[i], n elements (c may be a or b).
template <class T, bool larger>
void extreme(void* c_, const void* a_, const void* b_, size_t n) {
  T* c = static_cast<T*>(c_);
  const T* a = static_cast<const T*>(a_);
  const T* b = static_cast<const T*>(b_);
  for (size_t i = 0; i < n; ++i) {
    const T x = a[i], y = b[i];
    T r;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x) || std::isnan(y))
        r = std::isnan(x) ? x : y;
      else if (x == y)
        r = std::signbit(x) == larger ? y : x;  // the zero of the right sign
      else
        r = (x > y) == larger ? x : y;
    } else {
      r = (x > y) == larger ? x : y;
    }
    c[i] = r;
  }
}

/// c[i] = a[i] or (`any`) / and b[i], on booleans stored as bytes.
template <bool any>
void logic(void* c_, const void* a_, const void* b_, size_t n) {
  auto* c = static_cast<uint8_t*>(c_);
  const auto* a = static_cast<const uint8_t*>(a_);
  const auto* b = static_cast<const uint8_t*>(b_);
  for (size_t i = 0; i < n; ++i) c[i] = any ? (a[i] | b[i]) : (a[i] & b[i]);
}

}  // namespace kiln::detail::distributed
