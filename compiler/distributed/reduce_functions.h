// kiln's own reductions, for its ring (ring_all_reduce.h) and for the engines whose
// built-in ones differ from kiln's: sums of integers wrap (as kiln's eager sums do); max and
// min give NaN if either value is one and +0 over -0 for max (-0 for min), whichever rank
// comes first; booleans (bytes 0 or 1) combine as logic. The same functions for Gloo and
// MPI, so every engine gives the same bits.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "compiler/distributed/communicator.h"
#include "compiler/distributed/ring_all_reduce.h"
#include "runtime/dispatch.h"
#include "runtime/integer_math.h"

namespace kiln::detail::distributed {

/// c[i] = a[i] + b[i], n elements (c may be a or b); integers wrap.
template <class T>
void sum(void* c_, const void* a_, const void* b_, size_t n) {
  T* c = static_cast<T*>(c_);
  const T* a = static_cast<const T*>(a_);
  const T* b = static_cast<const T*>(b_);
  for (size_t i = 0; i < n; ++i) c[i] = wrap_add(a[i], b[i]);
}

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

/// The reduction of `op` on `dtype` (mean is a sum the caller divides).
inline ReduceFn reduce_function(DType dtype, ReduceOp op) {
  return dispatch_dtype(dtype, [&]<class T>() -> ReduceFn {
    if constexpr (std::is_same_v<T, uint8_t>)  // booleans
      return op == ReduceOp::min ? &logic<false> : &logic<true>;
    else if (op == ReduceOp::max)
      return &extreme<T, true>;
    else if (op == ReduceOp::min)
      return &extreme<T, false>;
    else
      return &sum<T>;
  });
}

}  // namespace kiln::detail::distributed
