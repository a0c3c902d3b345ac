// kiln-bench: the timing rule of WORKLOADS.md — warm up, then each measurement repeats the
// call for at least `min_time_s`, and the reported figure is the median of `reps`
// measurements (seconds per call).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace kiln_bench {

struct TimingOptions {
  double min_time_s = 0.5;  // per measurement
  int reps = 5;             // measurements; the median is reported
};

struct Stats {
  double median_s = 0;  // seconds per call
  double min_s = 0;
  double max_s = 0;
  int reps = 0;
  int64_t calls = 0;  // calls timed, over all measurements
};

/// Seconds on a monotonic clock.
double now_s();

/// Times `fn` by the rule above. `progress(done, total)` is called before each
/// measurement and once at the end.
Stats measure(const std::function<void()>& fn, const TimingOptions& options,
              const std::function<void(int, int)>& progress = {});

/// Median of a non-empty list.
double median(std::vector<double> values);

}  // namespace kiln_bench
