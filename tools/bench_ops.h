// kiln-bench --ops: every elementwise op of the op list (runtime/op_list.h), eager against
// the JIT, in nanoseconds per element on 1M-element tensors — the JIT must be no slower than
// the eager kernel for any op (a fused chain is only as fast as its slowest op's body).
#pragma once

#include <cstdio>
#include <string>

#include <kiln/kiln.h>

#include "bench_env.h"
#include "bench_timing.h"

namespace kiln_bench {

/// Measures the ops whose name matches `filter` (a regular expression; "" for all) on
/// `dtype` operands (the logical ops on booleans, in the f32 table only) on `device`, eager
/// and jit interleaved, prints the table and the goal line to `out`. Returns the number of
/// ops whose jit is slower than eager beyond noise.
int run_ops(const std::string& filter, kiln::DType dtype, kiln::Device device,
            const TimingOptions& timing, Progress& progress, std::FILE* out);

}  // namespace kiln_bench
