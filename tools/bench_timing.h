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

/// One measurement: `calls` calls took `per_call_s` seconds each.
struct Sample {
  double per_call_s = 0;
  int64_t calls = 0;
};

/// Seconds on a monotonic clock.
double now_s();

/// Times `fn` by the rule above: warm_up, then `reps` × measure_once, then summarize.
/// `progress(done, total)` is called before each measurement and once at the end.
Stats measure(const std::function<void()>& fn, const TimingOptions& options,
              const std::function<void(int, int)>& progress = {});

// The pieces of measure(), for callers that order the measurements of several callables
// themselves (bench_interleave.h).

/// Warm-up: one call (first touch of buffers, caches, lazy initialization), then calls for
/// a fifth of a measurement, which also estimates the cost of one call. Returns the batch
/// size for measure_once: calls per batch of about a millisecond.
int64_t warm_up(const std::function<void()>& fn, const TimingOptions& options);

/// One measurement: batches of `batch` calls until at least options.min_time_s has passed.
Sample measure_once(const std::function<void()>& fn, int64_t batch, const TimingOptions& options);

/// Median, min, max and call count of a non-empty list of measurements.
Stats summarize(const std::vector<Sample>& samples);

/// Median of a non-empty list.
double median(std::vector<double> values);

}  // namespace kiln_bench
