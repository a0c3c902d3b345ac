// kiln-bench: several callables measured interleaved — measurement r of each in turn, for
// r = 1..reps — so that a slow drift in the machine's load (a shared, noisy host) falls on
// all of them alike instead of showing up as a speedup or slowdown of one against another.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench_env.h"
#include "bench_timing.h"

namespace kiln_bench {

/// One of the callables measured together.
struct Contender {
  std::string label;  // for the progress line: "W7 jit"
  std::function<void()> fn;
  Stats stats;        // filled in by measure_interleaved
  std::string error;  // filled in when fn threw: its what(); then stats stay empty
};

/// Warms every contender up (in order), then takes measurement r of each in order for
/// r = 1..options.reps. Each contender's stats follow bench_timing.h's rule over its own
/// measurements only. A contender whose fn throws gets `error` and is left out from then
/// on; the others go on.
void measure_interleaved(std::vector<Contender>& contenders, const TimingOptions& options,
                         Progress& progress);

}  // namespace kiln_bench
