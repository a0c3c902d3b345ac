// The tracer's interface to the rest of compiler/ (no MLIR here): tracing a callable into
// a graph, the graph's stages as text, and the hooks variables and control flow use.
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/trace/trace_api.h"
#include "compiler/trace/variable_state.h"
#include "kiln/control_flow.h"
#include "kiln/function.h"
#include "runtime/executable.h"

namespace kiln::detail {

/// An MLIR module holding one concrete function (opaque outside compiler/trace*.cpp).
struct Graph;
struct GraphDeleter {
  void operator()(Graph* g) const;
};
using GraphPtr = std::unique_ptr<Graph, GraphDeleter>;

struct TracedFunction {
  GraphPtr graph;
  std::vector<std::shared_ptr<VariableState>> variables;  // kiln.read/assign_variable index
  std::vector<Tensor> captures;  // concrete tensors that became trailing graph inputs
};

/// Traces `fn` with symbolic arguments of the given types. Throws kiln::Error (and leaves
/// nothing behind) if the callable throws or the graph does not verify.
/// Ops without a location of their own (C++ operators, constants) point at `fallback`.
/// The symbolic tensors are on `device`, the call's.
TracedFunction trace(const std::string& name, const std::vector<rules::TensorType>& args,
                     const TraceFn& fn, bool first_trace, std::source_location fallback,
                     Device device = {});

/// The types of the graph's results (-1 for dynamic dimensions).
std::vector<rules::TensorType> result_types(const Graph& graph);

/// Simplifies the graph in place: canonicalize (with folding), CSE, DCE.
void optimize(Graph& graph);
/// The bytes of the constants the graph holds (what its plan keeps as tensors).
size_t constant_bytes(const Graph& graph);
/// The graph as MLIR text (with source locations).
std::string print(const Graph& graph);
/// A copy of the graph (its own ops; attributes, constants' data among them, are the
/// context's and shared).
GraphPtr copy(const Graph& graph);
/// How many ops the graph holds (the module's included).
size_t op_count(const Graph& graph);
class KernelSet;
/// The execution plan of the graph: a flat list of steps, runtime kernels or (for
/// kiln.fusion ops) the compiled kernels of `kernels` (compiler/pipeline/kernel_set.h),
/// whatever their device.
/// On the CPU, a 2-D transpose that only feeds matrix products is not materialized: the
/// products read its input with BLAS's transpose flag (compiler/pipeline/plan_builder.cpp).
runtime::Executable build_executable(const Graph& graph, const TracedFunction& traced,
                                     const KernelSet* kernels = nullptr, Device device = {});

/// While it lives, the trace on this thread replays a function for its gradient (a tape
/// around a compiled call): reads of `variables` give `values` (what they held when the
/// call ran; a fresh handle per read, as eager reads are), assignments to them replace
/// those values instead of recording effects, and prints are dropped — the gradient's
/// graph repeats none of the call's effects but its collectives (their results are needed;
/// every rank replays alike). Throws if this thread traces nothing.
class GradientReplay {
 public:
  GradientReplay(const std::vector<std::shared_ptr<VariableState>>& variables,
                 const std::vector<Tensor>& values);
  ~GradientReplay();
  GradientReplay(const GradientReplay&) = delete;
  GradientReplay& operator=(const GradientReplay&) = delete;

 private:
  std::unordered_map<const VariableState*, Tensor> values_;
  void* state_;  // the TraceState it acts on
};

// Hooks for variables and control flow (compiler/trace/variable.cpp, control_flow.cpp).
Tensor trace_read_variable(const std::shared_ptr<VariableState>& v);
void trace_assign_variable(const std::shared_ptr<VariableState>& v, const Tensor& value);
/// Throws if this thread traces a function whose first trace is over.
/// Throws kiln::Error naming the variable, the function and `loc` when a retrace (not a
/// function's first trace) creates a variable.
void check_variable_creation(const std::string& variable, const Tensor& initial,
                             const std::source_location& loc);
std::vector<Tensor> trace_cond(const Tensor& pred, const Branch& then_fn, const Branch& else_fn,
                               std::source_location loc);
std::vector<Tensor> trace_while(const LoopCond& cond, const LoopBody& body,
                                const std::vector<Tensor>& init, std::source_location loc);
std::vector<Tensor> trace_for(const Tensor& n, const RangeBody& body,
                              const std::vector<Tensor>& init, std::source_location loc);

/// A for_range body traced ahead of its loop, in the trace running on this thread
/// (trace_for makes one and loops it at once): a loop's reverse pass is traced while the
/// forward body's callable still lives (when the forward loop is folded on a tape) and
/// becomes a kiln.for_range only if a gradient asks for it, perhaps more than once (each
/// loop gets a copy of the body).
/// Whether `result` (of the trace running on this thread) comes from a region op (kiln.cond,
/// a loop) whose regions write state: variable assignments (kiln::Generator draws among
/// them) or prints. Running such regions again, as a gradient by re-running would, is not
/// the same computation.
bool made_by_stateful_region(const Tensor& result);

class TracedRangeBody {
 public:
  /// Traces `body` with block arguments (i : i64 scalar, carried of `carried` types).
  /// Throws (leaving nothing behind) if the body throws or returns other types.
  TracedRangeBody(const std::vector<rules::TensorType>& carried, const RangeBody& body,
                  std::source_location loc);
  ~TracedRangeBody();
  TracedRangeBody(const TracedRangeBody&) = delete;
  TracedRangeBody& operator=(const TracedRangeBody&) = delete;

  /// Records kiln.for_range(n, init) with a copy of the body here (the trace's insertion
  /// point); init has the carried types. `last`: the body itself goes to the loop (no copy;
  /// tensors traced inside it stay valid) and no further loop can be made. Throws if the
  /// trace that made the body is over.
  std::vector<Tensor> loop(const Tensor& n, const std::vector<Tensor>& init, bool last = false);

  /// Whether the body writes state (assigns a variable, a kiln::Generator draw among them,
  /// or prints), at any depth: running it again is then not the same computation.
  bool has_effects() const;

 private:
  struct Body;
  std::unique_ptr<Body> body_;
};

}  // namespace kiln::detail
