// kiln-bench: C1's loaded rows — the first call of a workload's function saved by f.save
// and loaded by kiln::load in a new process (a server starting from an exported model):
// load (read, check, parse, compile) plus the first call, with no compile cache, beside
// the traced first call. Each figure is the median of child processes of kiln-bench itself
// (`--load-first-call ID FILE`).
#pragma once

#include <string>
#include <vector>

#include "bench_workloads.h"

namespace kiln_bench {

struct LoadStart {
  std::string workload;
  double total_ms = 0;  // kiln::load and the first call
  double load_ms = 0;   // kiln::load: the file read and checked, the graph parsed and compiled
  double call_ms = 0;   // the first call after it
  std::string error;    // non-empty: saving or a child failed; no figures
};

/// The child's side: loads `file` (workload `id`'s function) and calls it once on the
/// workload's inputs; prints "total load call (ms) digest" (results_digest). Returns the
/// process's exit status.
int load_first_call_child(const std::string& id, const std::string& file);

/// The parent's side: for each of `workloads`, its jit function saved to a temporary file,
/// then `children` processes each load it and make the first call, whose results must equal
/// the traced function's first call's bit for bit (else the row's error says so).
std::vector<LoadStart> measure_load_starts(const std::vector<Workload>& workloads, int children);

/// kiln-bench --saved-roundtrip (ctest bench.saved_roundtrip): every workload's jit
/// function saved, loaded in this process and in a child process, each first call equal
/// bit for bit to the traced function's on a fresh instance; prints a line per workload.
/// Returns 0 when all are equal.
int saved_roundtrip(const std::vector<Workload>& workloads);

}  // namespace kiln_bench
