#include "bench_timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace kiln_bench {

double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

namespace {

// Runs fn in batches of `batch` calls until at least `min_time` has passed; returns the
// elapsed time and the number of calls.
Sample run_for(const std::function<void()>& fn, int64_t batch, double min_time) {
  int64_t calls = 0;
  double start = now_s(), elapsed = 0;
  do {
    for (int64_t i = 0; i < batch; ++i) fn();
    calls += batch;
    elapsed = now_s() - start;
  } while (elapsed < min_time);
  return {elapsed / static_cast<double>(calls), calls};
}

double min_time_of(const TimingOptions& options) { return std::max(0.0, options.min_time_s); }

}  // namespace

int64_t warm_up(const std::function<void()>& fn, const TimingOptions& options) {
  fn();
  Sample warm = run_for(fn, 1, std::min(0.2, 0.2 * min_time_of(options)));
  // Batches of about a millisecond keep the clock reads out of the figure for tiny calls.
  return std::max<int64_t>(1, static_cast<int64_t>(1e-3 / std::max(warm.per_call_s, 1e-9)));
}

Sample measure_once(const std::function<void()>& fn, int64_t batch, const TimingOptions& options) {
  return run_for(fn, batch, min_time_of(options));
}

Stats summarize(const std::vector<Sample>& samples) {
  Stats stats;
  std::vector<double> per_call;
  for (const Sample& s : samples) {
    per_call.push_back(s.per_call_s);
    stats.calls += s.calls;
  }
  stats.reps = static_cast<int>(samples.size());
  stats.median_s = median(per_call);
  stats.min_s = *std::min_element(per_call.begin(), per_call.end());
  stats.max_s = *std::max_element(per_call.begin(), per_call.end());
  return stats;
}

Stats measure(const std::function<void()>& fn, const TimingOptions& options,
              const std::function<void(int, int)>& progress) {
  int reps = std::max(1, options.reps);
  int64_t batch = warm_up(fn, options);
  std::vector<Sample> samples;
  for (int r = 0; r < reps; ++r) {
    if (progress) progress(r, reps);
    samples.push_back(measure_once(fn, batch, options));
  }
  if (progress) progress(reps, reps);
  return summarize(samples);
}

}  // namespace kiln_bench
