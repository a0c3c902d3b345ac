// kiln-bench: execution modes. A workload's body runs as written (eager), or is traced by
// kiln::function into a graph that runs op by op (graph, jit=false) or whose elementwise
// ops are fused and JIT-compiled (jit, jit=true).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_workloads.h"

namespace kiln_bench {

enum class Mode { eager, graph, jit };
inline constexpr Mode kAllModes[] = {Mode::eager, Mode::graph, Mode::jit};

std::string_view mode_name(Mode mode);

/// What compiling a body for a mode cost, where that applies (first call). first_call_ms
/// is the wall time of the first call; the rest come from kiln::FunctionStats right after
/// it: trace_ms, optimize_ms (simplification + fusion), codegen_ms (lowering + native
/// code, jit only) and compile_ms (everything after the trace, the execution plan included).
struct FirstCall {
  double first_call_ms = 0, trace_ms = 0, optimize_ms = 0, codegen_ms = 0, compile_ms = 0;
};

/// A workload instance bound to a mode: call() runs the body once and carries state.
class Runner {
 public:
  Runner(Instance instance, Body compiled);
  std::vector<kiln::Tensor> call();
  const std::vector<kiln::Tensor>& inputs() const { return instance_.inputs; }

 private:
  Instance instance_;
  Body compiled_;
};

/// A body made callable in one mode. `stats` is the kiln::function's statistics (graph and
/// jit; empty for eager).
struct Compiled {
  Body body;
  std::function<kiln::FunctionStats()> stats;
};

/// The body as a callable of `mode`, or nullopt where kiln does not have the mode yet.
std::optional<Compiled> compile_for(Mode mode, const Body& body, const std::string& name);

}  // namespace kiln_bench
