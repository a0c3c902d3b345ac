// A value or the reason there is none. The shape rules return this instead of throwing,
// because the same rules run inside MLIR callbacks, where no exception may pass.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace kiln {

template <class T>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  static Expected failure(std::string message) {
    Expected e;
    e.error_ = std::move(message);
    return e;
  }
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }
  const std::string& error() const { return error_; }

 private:
  Expected() = default;
  std::optional<T> value_;
  std::string error_;
};

/// Shorthand for returning a failure from a function returning Expected<T>.
struct Failure {
  std::string message;
  template <class T>
  operator Expected<T>() const {  // NOLINT: implicit by design
    return Expected<T>::failure(message);
  }
};
inline Failure fail(std::string message) { return Failure{std::move(message)}; }

}  // namespace kiln
