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
std::pair<double, int64_t> run_for(const std::function<void()>& fn, int64_t batch,
                                   double min_time) {
  int64_t calls = 0;
  double start = now_s(), elapsed = 0;
  do {
    for (int64_t i = 0; i < batch; ++i) fn();
    calls += batch;
    elapsed = now_s() - start;
  } while (elapsed < min_time);
  return {elapsed, calls};
}

}  // namespace

Stats measure(const std::function<void()>& fn, const TimingOptions& options,
              const std::function<void(int, int)>& progress) {
  int reps = std::max(1, options.reps);
  double min_time = std::max(0.0, options.min_time_s);
  // Warm-up: one call (first-touch of buffers, caches, lazy initialization), then calls
  // for a fifth of a measurement, which also estimates the cost of one call.
  fn();
  auto [warm_s, warm_calls] = run_for(fn, 1, std::min(0.2, 0.2 * min_time));
  double per_call = warm_s / static_cast<double>(warm_calls);
  // Batches of about a millisecond keep the clock reads out of the figure for tiny calls.
  int64_t batch = std::max<int64_t>(1, static_cast<int64_t>(1e-3 / std::max(per_call, 1e-9)));

  Stats stats;
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) {
    if (progress) progress(r, reps);
    auto [elapsed, calls] = run_for(fn, batch, min_time);
    samples.push_back(elapsed / static_cast<double>(calls));
    stats.calls += calls;
  }
  if (progress) progress(reps, reps);
  stats.reps = reps;
  stats.median_s = median(samples);
  stats.min_s = *std::min_element(samples.begin(), samples.end());
  stats.max_s = *std::max_element(samples.begin(), samples.end());
  return stats;
}

}  // namespace kiln_bench
