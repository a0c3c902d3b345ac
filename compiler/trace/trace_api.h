// The tracer as op functions see it (no MLIR here): while a kiln::function traces on this
// thread, an op with a symbolic operand (or an effect) is recorded instead of run.
#pragma once

#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "compiler/ops/attrs.h"
#include "compiler/ops/op_support.h"

namespace kiln::detail {

bool is_symbolic(const Tensor& t);

/// True while this thread traces a function.
bool tracing();

/// While tracing: where the traced kiln::function was called (the location ops without
/// their own, such as C++ operators, report); nullptr otherwise.
const std::source_location* trace_fallback_location();

/// If this thread is tracing and the op must be recorded (an operand is symbolic, or
/// `effect` is set), records op `kiln.<name>` with the operands, attributes and result
/// types given and returns its (symbolic) results; otherwise returns nothing and the
/// caller runs the op eagerly.
std::optional<std::vector<Tensor>> trace_op(const CallSite& site, std::string_view name,
                                            const std::vector<const Tensor*>& operands,
                                            const Attrs& attrs,
                                            const std::vector<rules::TensorType>& results,
                                            bool effect = false);

/// One-result convenience wrapper.
inline std::optional<Tensor> trace_op1(const CallSite& site, std::string_view name,
                                       const std::vector<const Tensor*>& operands,
                                       const Attrs& attrs, const rules::TensorType& result) {
  auto r = trace_op(site, name, operands, attrs, {result});
  if (!r) return std::nullopt;
  return r->at(0);
}

}  // namespace kiln::detail
