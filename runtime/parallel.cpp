#include "runtime/parallel.h"

#include <memory>
#include <mutex>
#include <thread>

#include <tbb/global_control.h>

namespace kiln::runtime {
namespace {

struct ThreadSetting {
  std::mutex mutex;
  int threads = std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<tbb::global_control> control;
};

// Thread count is process-wide by nature (one TBB scheduler, one BLAS pool).
ThreadSetting& setting() {
  static ThreadSetting s;
  return s;
}

}  // namespace

int num_threads() { return setting().threads; }

void set_num_threads(int threads) {
  auto& s = setting();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.threads = std::max(1, threads);
  s.control.reset();
  s.control = std::make_unique<tbb::global_control>(
      tbb::global_control::max_allowed_parallelism, static_cast<size_t>(s.threads));
}

}  // namespace kiln::runtime
