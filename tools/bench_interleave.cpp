#include "bench_interleave.h"

#include <algorithm>
#include <exception>

namespace kiln_bench {

void measure_interleaved(std::vector<Contender>& contenders, const TimingOptions& options,
                         Progress& progress) {
  const int reps = std::max(1, options.reps);
  const size_t n = contenders.size();
  std::vector<int64_t> batch(n);
  std::vector<std::vector<Sample>> samples(n);
  // One step of contender i, unless it has failed already; a throw ends its part, as an
  // error of its own (a mode that throws must not take the other modes' figures with it).
  auto step = [&](size_t i, const std::function<void()>& work) {
    if (!contenders[i].error.empty()) return;
    try {
      work();
    } catch (const std::exception& e) {
      contenders[i].error = e.what();
    }
  };

  // All warm-ups first, so that every measurement below is of a warmed-up callable.
  for (size_t i = 0; i < n; ++i) {
    step(i, [&] {
      progress.show(contenders[i].label, 0, reps);
      batch[i] = warm_up(contenders[i].fn, options);
    });
  }
  for (int r = 0; r < reps; ++r) {
    for (size_t i = 0; i < n; ++i) {
      step(i, [&] {
        progress.show(contenders[i].label, r, reps);
        samples[i].push_back(measure_once(contenders[i].fn, batch[i], options));
      });
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!contenders[i].error.empty()) continue;
    progress.show(contenders[i].label, reps, reps);  // the per-contender line in a log
    contenders[i].stats = summarize(samples[i]);
  }
}

}  // namespace kiln_bench
