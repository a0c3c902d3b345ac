/// \file
/// kiln::Variable: mutable state that lives across calls of compiled functions.
#pragma once

#include <memory>
#include <source_location>
#include <string>

#include "kiln/dtype.h"
#include "kiln/tensor.h"

namespace kiln {

namespace detail {
struct VariableState;  // compiler/trace/variable_state.h
}

/// A named, mutable tensor slot with a fixed dtype and shape. Lambdas capture variables
/// by reference; inside a traced function a read becomes a graph input read at every
/// call and an assignment a side effect applied at every call, in program order.
class Variable {
 public:
  /// `loc`: where it is created, for errors (a variable created in a retrace).
  explicit Variable(Tensor initial, std::string name = "",
                    std::source_location loc = std::source_location::current());
  Variable(const Variable&) = delete;  // a variable is one slot; share it by reference
  Variable& operator=(const Variable&) = delete;
  ~Variable();

  /// The current value (inside a traced function: a read, taken at every call).
  Tensor value() const;
  /// value(): a variable reads as a tensor wherever one is expected.
  operator Tensor() const { return value(); }  // NOLINT: reads convert implicitly

  /// The new value must have the variable's dtype and shape.
  void assign(const Tensor& value);
  /// assign(value() + delta).
  void assign_add(const Tensor& delta);
  /// assign(value() - delta).
  void assign_sub(const Tensor& delta);

  /// The fixed dtype.
  DType dtype() const;
  /// The fixed shape.
  const Shape& shape() const;
  /// The name given ("" if none); optimizers name their slots after it.
  const std::string& name() const;
  /// Where its value lives (the device of the last value assigned).
  Device device() const;

  /// Internal: the shared slot compiled functions keep.
  const std::shared_ptr<detail::VariableState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::VariableState> state_;
};

}  // namespace kiln
