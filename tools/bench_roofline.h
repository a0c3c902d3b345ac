// kiln-bench --roofline: the machine's own limits, measured beside the table — memory
// bandwidth (a parallel copy and a triad far beyond the last-level cache), OpenBLAS sgemm
// GFLOP/s — and how close eager kiln's simplest bandwidth-bound ops come to them.
#pragma once

#include "bench_timing.h"

namespace kiln_bench {

struct Roofline {
  double copy_gbs = 0;      // median parallel copy, bytes read + written
  double triad_gbs = 0;     // median a = b + s*c, bytes read + written
  double sgemm_gflops = 0;     // median cblas_sgemm 2048^3 (the machine's GEMM peak)
  double sgemm_w6_gflops = 0;  // median cblas_sgemm 1024^3: W6's problem, OpenBLAS alone
  double eager_add_gbs = 0;   // kiln add of two 16M f32 tensors, 12 bytes/element, median
  double eager_tanh_gbs = 0;  // kiln tanh of a 16M f32 tensor, 8 bytes/element, median
};

class Progress;

/// `threads`: copy/triad threads and OpenBLAS threads (kiln's own are set by the caller).
Roofline measure_roofline(int threads, const TimingOptions& timing, Progress& progress);

}  // namespace kiln_bench
