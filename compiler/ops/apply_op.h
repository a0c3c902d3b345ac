// The one place eager, traced and taped execution diverge. Every op function checks its
// operands and asks its shape rule for the result type, then hands the rest to
// apply_op1: it never asks the tracer or the tape itself.
#pragma once

#include <initializer_list>
#include <vector>

#include "compiler/autodiff/tape.h"
#include "compiler/ops/attrs.h"
#include "compiler/ops/op_support.h"
#include "compiler/trace/trace_api.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

/// Runs the op of `site` with one result of `type`. While a kiln::function traces and an
/// operand is symbolic, the op is recorded in the graph with `attrs` and its symbolic result
/// returned; otherwise `eager()` computes the result, and every recording GradientTape
/// that tracks an operand notes the op (with `attrs`, which its gradient reads).
template <class Eager>
Tensor apply_op1(const CallSite& site, const std::vector<const Tensor*>& operands,
                 const Attrs& attrs, const rules::TensorType& type, Eager&& eager) {
  if (auto traced = trace_op1(site, site.op, operands, attrs, type)) return *traced;
  Tensor out = eager();
  if (runtime::profiler::active()) [[unlikely]]
    note_bytes_moved(operands, out);
  record1(site.op, operands, attrs, out);
  return out;
}

/// apply_op1 with the usual eager form: a fresh output of `type` on `device` that
/// `kernel(out)` fills; a kernel's refusal (kiln::Error) is re-thrown naming the op's
/// operands and source line.
template <class Kernel>
Tensor apply_kernel1(const CallSite& site, std::initializer_list<const Tensor*> operands,
                     const Attrs& attrs, const rules::TensorType& type, Device device,
                     Kernel&& kernel) {
  return apply_op1(site, operands, attrs, type, [&] {
    Tensor out = empty(type.dtype, type.shape, device);
    run_kernel(site, operands, [&] { kernel(out); });
    return out;
  });
}

}  // namespace kiln::detail
