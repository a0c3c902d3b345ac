// kiln-bench: C1's GRU rows — the first call of a compiled GRU training step whose time
// loop is a kiln::for_range under a GradientTape, at T = 20 and T = 80 steps (hidden 64,
// batch 16). The loop and its reverse pass stay loops in the graph, so the first call
// (trace, compile, run) should not grow with T: the goal is T = 80 within 20% of T = 20.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_env.h"

namespace kiln_bench {

struct GruFirstCall {
  int64_t steps = 0;
  double first_call_ms = 0;  // median over fresh functions
  double trace_ms = 0, optimize_ms = 0, codegen_ms = 0;
  double call_ms = 0;  // a later call's median: the step itself
  std::string error;   // the check against eager mode or a call failed
};

/// The rows' title, for --filter.
inline constexpr const char* kGruTitle = "GRU training step, for_range over T steps, first call";

/// Compiles (jit) and checks the GRU step at each T against eager mode, then measures the
/// first call of fresh functions.
std::vector<GruFirstCall> measure_gru_first_calls(Progress& progress);

/// The table and its goal line.
void print_gru_first_calls(const std::vector<GruFirstCall>& rows, std::FILE* out);

}  // namespace kiln_bench
