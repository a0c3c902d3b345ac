// kiln-bench --roofline: the machine's own limits, measured beside the table — memory
// bandwidth (a parallel copy and a triad far beyond the last-level cache), OpenBLAS sgemm
// GFLOP/s — and how close eager kiln's simplest bandwidth-bound ops come to them. On a
// CUDA device the same questions are asked of the device: device-to-device copy bandwidth,
// cuBLAS sgemm (through eager kiln::matmul) and eager add/tanh on device tensors.
#pragma once

#include <algorithm>
#include <cstdint>

#include <kiln/kiln.h>

#include "bench_timing.h"

namespace kiln_bench {

struct Roofline {
  double copy_gbs = 0;         // median parallel copy, bytes read + written
  double triad_gbs = 0;        // median a = b + s*c, bytes read + written
  double stream_copy_gbs = 0;  // the copy with streaming (non-temporal) stores: the
                               // destination is not read before it is written
  double stream_3r1w_gbs = 0;  // a = b*c + d with streaming stores: three streams read,
                               // one written (W2's pattern)
  double sgemm_gflops = 0;     // median cblas_sgemm 2048^3 (the machine's GEMM peak)
  double sgemm_w6_gflops = 0;  // median cblas_sgemm 1024^3: W6's problem, OpenBLAS alone
  double eager_add_gbs = 0;    // kiln add of two 16M f32 tensors, 12 bytes/element, median
  double eager_tanh_gbs = 0;   // kiln tanh of a 16M f32 tensor, 8 bytes/element, median

  /// The most bandwidth the machine showed, plain or streaming stores: what the bandwidth
  /// goals are held against (a plain copy would flatter them).
  double best_gbs() const {
    return std::max({copy_gbs, triad_gbs, stream_copy_gbs, stream_3r1w_gbs});
  }
};

class Progress;

/// `threads`: copy/triad threads and OpenBLAS threads (kiln's own are set by the caller).
Roofline measure_roofline(int threads, const TimingOptions& timing, Progress& progress);

/// The limits of a CUDA device. Every figure is timed like a workload (warm-up, then the
/// median of measurements of at least min_time each), each call followed by
/// kiln::synchronize(device), so it is the wall time of the work on the device.
struct CudaRoofline {
  static constexpr int kSgemmPeakN = 4096;                   // the device's GEMM peak
  static constexpr int kSgemmW6N = 1024;                     // W6's own shape, for its goal
  static constexpr int64_t kCopyBytes = int64_t{256} << 20;  // per buffer

  double copy_gbs = 0;         // device-to-device copy of 256 MiB, bytes read + written
  double sgemm_gflops = 0;     // eager kiln::matmul (cuBLAS sgemm) of f32 4096^3
  double sgemm_w6_gflops = 0;  // the same at 1024^3
  double eager_add_gbs = 0;    // kiln add of two 16M f32 device tensors, 12 bytes/element
  double eager_tanh_gbs = 0;   // kiln tanh of a 16M f32 device tensor, 8 bytes/element
  bool tf32 = false;           // kiln::allow_tf32() while the sgemm figures were taken
};

CudaRoofline measure_cuda_roofline(kiln::Device device, const TimingOptions& timing,
                                   Progress& progress);

}  // namespace kiln_bench
