// Element types, devices, shapes and axes: the vocabulary every layer shares.
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

enum class DType : uint8_t { f32, f64, i32, i64, boolean };

/// Every dtype, in declaration order (for tests and tools that walk them).
inline constexpr DType kAllDTypes[] = {DType::f32, DType::f64, DType::i32, DType::i64,
                                       DType::boolean};

std::string_view dtype_name(DType dtype);  // "f32", "f64", "i32", "i64", "boolean"
size_t dtype_size(DType dtype);            // bytes per element; boolean is one byte
bool is_floating(DType dtype);
bool is_integer(DType dtype);  // i32, i64 (not boolean)

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

struct Device {
  enum Kind { cpu, cuda } kind = cpu;
  int index = 0;
  friend bool operator==(const Device&, const Device&) = default;
};
std::string to_string(Device device);  // "cpu", "cuda:0"

/// Dimensions, outermost first. -1 marks a dynamic dimension in specs (never in a
/// concrete tensor).
using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& shape);  // "(2, 3)", "()" for rank 0, "(5,)" for rank 1
int64_t numel_of(const Shape& shape);  // product of dimensions; 1 for rank 0; throws on overflow

/// Axes of a reduction or squeeze. Default-constructed (or `{}`): every axis. Negative
/// axes count from the end.
class Axes {
 public:
  Axes() = default;
  Axes(int64_t axis) : all_(false), axes_{axis} {}  // NOLINT: implicit by design
  Axes(int axis) : all_(false), axes_{axis} {}      // NOLINT
  Axes(std::initializer_list<int64_t> axes) : all_(axes.size() == 0), axes_(axes) {}
  /// An explicit list; an empty vector means "no axis".
  Axes(std::vector<int64_t> axes) : all_(false), axes_(std::move(axes)) {}  // NOLINT
  bool all() const { return all_; }
  const std::vector<int64_t>& list() const { return axes_; }

 private:
  bool all_ = true;
  std::vector<int64_t> axes_;
};

}  // namespace kiln
