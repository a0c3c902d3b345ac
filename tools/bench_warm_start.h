// kiln-bench: C1's warm-start row — the first call of a compiled workload in a new process
// whose persistent compile cache already holds its code (what a server's restart or a
// second run of a training script sees). Each figure comes from child processes of
// kiln-bench itself (`--first-call ID`) sharing one temporary cache folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_modes.h"
#include "bench_workloads.h"

namespace kiln_bench {

struct WarmStart {
  std::string workload;
  FirstCall call;       // the median child's first call (by first_call_ms)
  double disk_ms = 0;   // its kiln::FunctionStats::disk_ms
  bool all_hit = true;  // every measured child found its code on disk
  std::string error;    // non-empty: a child failed; no figures
};

/// This executable's path (for child processes of kiln-bench itself); "" if unknown.
std::string self_path();
/// A fresh temporary folder named `prefix` + six characters; "" if it cannot be made.
std::string make_temp_dir(const std::string& prefix);
/// Runs `command` in a shell and returns its output; `*ok` says whether it started and
/// exited with status 0.
std::string run_command(const std::string& command, bool* ok);

/// A digest of results' values (FNV-1a over their f64 bits): two processes that ran the
/// same code on the same inputs get the same one.
uint64_t results_digest(const std::vector<kiln::Tensor>& outputs);

/// The child's side: builds workload `id`, compiles it for the JIT (the cache as the
/// environment says) and makes one call; prints "first_call trace optimize codegen
/// compile disk_ms (ms) disk_hits disk_misses digest" on stdout, the digest over the
/// results' values (test/compile_cache_processes.sh compares processes by it). Returns the
/// process's exit status.
int first_call_child(const std::string& id);

/// For profilers (perf record): workload `id` compiled for the JIT, called in a loop for
/// `seconds` after its first call; prints the calls and the time per call.
int loop_child(const std::string& id, double seconds);

/// The parent's side: for each of `workloads`, one child fills a fresh cache folder, then
/// `children` more make their first call with it warm; the median is reported.
std::vector<WarmStart> measure_warm_starts(const std::vector<Workload>& workloads, int children);

}  // namespace kiln_bench
