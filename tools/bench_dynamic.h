// kiln-bench: W8 — W3's MLP compiled once with a dynamic batch (input_signature -1), called
// at several batch sizes, against a static-shape compile per batch and eager mode. The goal:
// a dynamic dimension costs nothing per call (within 10% of the static-shape jit).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "bench_env.h"
#include "bench_timing.h"

namespace kiln_bench {

struct DynamicBatchRow {
  int64_t batch = 0;
  double eager_ms = 0, static_ms = 0, dynamic_ms = 0;  // medians
  std::string error;                                   // a check or a call failed
};

/// W8's title, for --filter and --list.
inline constexpr const char* kW8Title = "MLP inference at batches 1, 7, 64, 256, dynamic batch";

/// Measures W8 (each batch's three modes interleaved); the dynamic jit's results are
/// checked against the static jit's and eager ones first.
std::vector<DynamicBatchRow> measure_dynamic_batch(const TimingOptions& timing, Progress& progress);

/// The table and its goal lines.
void print_dynamic_batch(const std::vector<DynamicBatchRow>& rows, std::FILE* out);

}  // namespace kiln_bench
