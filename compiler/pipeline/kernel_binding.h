// Graph mode's kernel binding: what a plan step runs for one op of the traced graph.
//
// Each op of runtime/op_list.h has a binder `bind_<name>` (a missing one is a link error,
// as a missing gradient rule is). When the plan is built, the binder reads the op's
// attributes once through its ODS accessors and its result types from the IR, and returns
// a step that allocates the results and calls the op's kernel: a cached call does not
// re-enter the op functions (no operand checks, shape rules, attribute lookups by name,
// tracer or tape probes). The shape rules ran when the op was traced, on the same types.
//
// A step whose operand or result types have a dynamic dimension (input_signature with -1)
// calls the op function instead, which checks the sizes it meets and runs the rule on
// them: the types are known only then.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kiln/error.h"
#include "runtime/executable.h"
#include "runtime/op_frame.h"
#include "runtime/op_list.h"

namespace mlir {
class Operation;
}

namespace kiln::detail {

/// Runs `fn` as traced op `op` called at `where` (its IR location): errors raised inside
/// name that op and the user's line, not the kernels' entry points; an Error without a
/// source line gets it too.
template <class Fn>
void with_location(const char* op, const std::string& where, Fn&& fn) {
  try {
    runtime::OpFrame frame(op, &where);
    fn();
  } catch (const Error& e) {
    std::string m = e.what();
    if (where.empty() || m.find(" (at ") != std::string::npos) throw;
    throw Error(m + " (at " + where + ")");
  }
}

/// One op of the graph as the plan sees it: its IR, the slots of its operands and
/// results, the user's line it was traced at, and per operand whether this op is its last
/// use (an elementwise kernel may then write its result over the operand's storage).
struct OpSlots {
  mlir::Operation& op;
  std::vector<int> in, out;
  std::string where;
  std::vector<bool> last_use;
};

struct BoundStep {
  std::function<void(runtime::Frame&)> run;
  // The step reads values on the host (indices, labels, integer divisors it checks) or
  // makes them there: a CUDA graph cannot replay it.
  bool host_values = false;
};

struct KernelBinder {
  BoundStep (*bind)(const OpSlots&) = nullptr;  // null: the op never reaches a plan
};
/// Factories become constants while tracing: no graph holds them.
inline constexpr KernelBinder kNotInGraphs{};

#define KILN_DECLARE_BINDER(name, family) extern const KernelBinder bind_##name;
KILN_OP_LIST(KILN_DECLARE_BINDER)
#undef KILN_DECLARE_BINDER

/// The step of `slots.op`, an op of the op list; throws kiln::Error for an op the plan
/// cannot run (a kiln bug: the caller handles structural ops itself).
BoundStep bind_kernel(const OpSlots& slots);

}  // namespace kiln::detail
