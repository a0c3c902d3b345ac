// The slot behind a kiln::Variable, shared by the Variable object and every compiled
// function that reads or writes it (so a compiled function never dangles).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "kiln/tensor.h"

namespace kiln::detail {

struct VariableState {
  std::string name;
  bool named = false;  // given by the user (not "variable<id>"): what a checkpoint can key on
  DType dtype;
  Shape shape;
  uint64_t id;  // process-unique, for names in IR and signatures

  Tensor read() const {
    std::lock_guard<std::mutex> lock(mutex);
    return value;
  }
  /// Replaces the value; the caller has checked dtype and shape.
  void write(Tensor t) {
    std::lock_guard<std::mutex> lock(mutex);
    value = std::move(t);
  }

  mutable std::mutex mutex;
  Tensor value;
};

/// Throws kiln::Error unless `t` is concrete-compatible with the variable's dtype/shape.
void check_assignable(const VariableState& v, const Tensor& t, const char* op);

}  // namespace kiln::detail
