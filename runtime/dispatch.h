// From a runtime DType to a C++ element type. Booleans are stored as one byte holding 0
// or 1 and handled as uint8_t in kernels.
#pragma once

#include <cstdint>
#include <utility>

#include "kiln/dtype.h"
#include "kiln/error.h"

namespace kiln {

template <DType D>
struct CType;
template <> struct CType<DType::f32> { using type = float; };
template <> struct CType<DType::f64> { using type = double; };
template <> struct CType<DType::i32> { using type = int32_t; };
template <> struct CType<DType::i64> { using type = int64_t; };
template <> struct CType<DType::boolean> { using type = uint8_t; };

/// Calls fn.template operator()<T>() with T the element type of `dtype`.
template <class Fn>
decltype(auto) dispatch_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: return fn.template operator()<float>();
    case DType::f64: return fn.template operator()<double>();
    case DType::i32: return fn.template operator()<int32_t>();
    case DType::i64: return fn.template operator()<int64_t>();
    case DType::boolean: return fn.template operator()<uint8_t>();
  }
  throw Error("[dispatch] unknown dtype");
}

/// Like dispatch_dtype, for the floating dtypes only.
template <class Fn>
decltype(auto) dispatch_floating(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: return fn.template operator()<float>();
    case DType::f64: return fn.template operator()<double>();
    default: throw Error("[dispatch] expected a floating dtype, got " + std::string(dtype_name(dtype)));
  }
}

}  // namespace kiln
