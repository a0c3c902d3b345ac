// kiln-bench: the results, printed as one table (plus the roofline and goal lines) and
// written as the --json format of WORKLOADS.md.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench_load_start.h"
#include "bench_modes.h"
#include "bench_roofline.h"
#include "bench_timing.h"
#include "bench_warm_start.h"
#include "bench_workloads.h"

namespace kiln_bench {

/// One workload in one mode. A mode kiln lacks has no Result (the table shows "—").
struct Result {
  std::string workload;  // "W3"
  Mode mode = Mode::eager;
  std::string device = "cpu";  // the device's kind, as the JSON writes it: "cpu" or "cuda"
  std::string error;           // non-empty: the check failed (or the call threw); nothing was timed
  Stats stats;
  std::optional<double> speedup_vs_eager, gbs, gflops;
  std::optional<FirstCall> first_call;  // graph and jit only
};

/// `v` printed with `format` (one %-conversion of a double).
std::string fmt(const char* format, double v);
/// Three significant figures or so, whatever the magnitude.
std::string num(double v);

struct Report {
  std::string cpu;
  std::string blas_core;     // the kernel OpenBLAS chose (openblas_get_corename): Haswell on an
                             // AVX-512 CPU means OPENBLAS_CORETYPE forced it, at half the speed
  std::string blas_warning;  // why the GEMM figures are below the machine's, or ""
  int threads = 0;
  kiln::Device device;      // where the workloads ran
  std::string device_name;  // a CUDA device's name ("NVIDIA H100 80GB HBM3"); "" for the CPU
  std::optional<Roofline> roofline;           // --roofline on the CPU
  std::optional<CudaRoofline> cuda_roofline;  // --roofline on a CUDA device
  std::vector<Workload> workloads;            // the ones that ran, in order
  std::vector<Result> results;
  std::vector<WarmStart> warm_starts;  // C1's warm-start rows (jit, CPU)
  std::vector<LoadStart> load_starts;  // C1's loaded rows (f.save, kiln::load; CPU)
  std::vector<std::string> notes;      // self-check summaries and the like
  bool checks_only = false;            // --selfcheck: no table, only notes and failures
};

/// A goal line: reported, never asserted. `met` is empty when it cannot be decided from
/// this run (a bandwidth goal without --roofline); `value`/`target` are in `unit`.
struct Goal {
  std::string name;  // "W1 jit >= 10x faster than eager"
  std::optional<bool> met;
  std::optional<double> value;
  double target = 0;
  std::string unit;    // "x", "% of copy", "ms"
  std::string detail;  // the figures behind it, for the printed line
};

/// The goal lines of this run. On the CPU: the roofline ones (eager against the machine,
/// with --roofline) and the JIT's, from the results of the same run. On a
/// CUDA device: W2 jit against the device's copy bandwidth and W6 jit against cuBLAS at
/// 1024^3 (both with --roofline), and W0's cached call.
std::vector<Goal> goals(const Report& report);

void print_report(const Report& report, std::FILE* out);
/// Writes `text` to `path`; returns false (and sets *error) when it cannot.
bool write_text_file(const std::string& path, const std::string& text, std::string* error);
/// Writes the JSON; returns false (and sets *error) when the file cannot be written.
bool write_json(const Report& report, const std::string& path, std::string* error);

}  // namespace kiln_bench
