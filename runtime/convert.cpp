#include "runtime/convert.h"

#include <cstring>
#include <limits>
#include <type_traits>

#include "runtime/dispatch.h"

namespace kiln::runtime {
namespace {

template <class From, class To>
inline To convert_one(From v) {
  if constexpr (std::is_same_v<To, uint8_t>) {
    return v != From(0) ? 1 : 0;
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // Saturating, NaN -> 0: a plain static_cast is undefined out of range.
    constexpr From lo = static_cast<From>(std::numeric_limits<To>::min());
    constexpr From hi = static_cast<From>(std::numeric_limits<To>::max());
    if (!(v == v)) return 0;
    if (v <= lo) return std::numeric_limits<To>::min();
    if (v >= hi) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace

void convert_elements(const void* src, DType src_dtype, void* dst, DType dst_dtype, int64_t n) {
  if (n <= 0) return;  // an empty std::vector's data() may be null
  if (src_dtype == dst_dtype) {
    std::memcpy(dst, src, static_cast<size_t>(n) * dtype_size(src_dtype));
    return;
  }
  dispatch_dtype(src_dtype, [&]<class From>() {
    dispatch_dtype(dst_dtype, [&]<class To>() {
      const From* s = static_cast<const From*>(src);
      To* d = static_cast<To*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = convert_one<From, To>(s[i]);
    });
  });
}

}  // namespace kiln::runtime
