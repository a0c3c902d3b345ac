/// \file
/// Element types, devices, shapes and axes: the vocabulary every layer shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kiln {

/// A tensor's element type: 32- and 64-bit IEEE floats, 32- and 64-bit signed integers, and
/// booleans (one byte each, 0 or 1).
enum class DType : uint8_t { f32, f64, i32, i64, boolean };

/// Every dtype, in declaration order (for tests and tools that walk them).
inline constexpr DType kAllDTypes[] = {DType::f32, DType::f64, DType::i32, DType::i64,
                                       DType::boolean};

/// The dtype's name as kiln prints it: "f32", "f64", "i32", "i64", "boolean".
std::string_view dtype_name(DType dtype);
/// Bytes per element; boolean is one byte.
size_t dtype_size(DType dtype);
/// f32 or f64.
bool is_floating(DType dtype);
/// i32 or i64 (not boolean).
bool is_integer(DType dtype);

/// The dtype of a C++ element type; a compile error for anything else.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::f32;
  else if constexpr (std::is_same_v<T, double>) return DType::f64;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::i32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::i64;
  else if constexpr (std::is_same_v<T, bool>) return DType::boolean;
  else static_assert(!sizeof(T), "kiln tensors hold float, double, int32_t, int64_t or bool");
}

/// Where a tensor's storage lives: the host (the default) or a CUDA device by index.
struct Device {
  /// The kind of memory.
  enum Kind {
    cpu,  ///< host memory
    cuda  ///< a CUDA device's memory
  };
  Kind kind = cpu;  ///< host or CUDA
  int index = 0;    ///< the CUDA device's ordinal (0 for cpu)
  /// Same kind and index.
  friend bool operator==(const Device&, const Device&) = default;
};
/// "cpu", "cuda:0".
std::string to_string(Device device);

/// Dimensions, outermost first. -1 marks a dynamic dimension in specs (never in a
/// concrete tensor).
using Shape = std::vector<int64_t>;

/// "(2, 3)"; "()" for rank 0, "(5,)" for rank 1, "?" for a -1 dimension.
std::string shape_str(const Shape& shape);
/// The product of the dimensions (1 for rank 0); kiln::Error when it overflows int64.
int64_t numel_of(const Shape& shape);

/// Axes of a reduction or squeeze. Default-constructed (or `{}`): every axis. Negative
/// axes count from the end.
class Axes {
 public:
  Axes() = default;
  /// One axis (implicit: `sum(x, 1)`).
  Axes(int64_t axis) : all_(false), axes_{axis} {}  // NOLINT: implicit by design
  /// One axis (implicit: `sum(x, 1)`).
  Axes(int axis) : all_(false), axes_{axis} {}  // NOLINT
  /// A list of axes, `{0, 2}`; `{}` is every axis.
  Axes(std::initializer_list<int64_t> axes) : all_(axes.size() == 0), axes_(axes) {}
  /// An explicit list; an empty vector means "no axis".
  Axes(std::vector<int64_t> axes) : all_(false), axes_(std::move(axes)) {}  // NOLINT
  /// Every axis (the default).
  bool all() const { return all_; }
  /// The axes as given (empty when all()).
  const std::vector<int64_t>& list() const { return axes_; }

 private:
  bool all_ = true;
  std::vector<int64_t> axes_;
};

}  // namespace kiln
