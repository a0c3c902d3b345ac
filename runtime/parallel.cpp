#include "runtime/parallel.h"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include <tbb/global_control.h>

namespace kiln::runtime {
namespace {

/// KILN_NUM_THREADS=<n> sets the initial thread count (as OMP_NUM_THREADS does); the
/// default is every core. 1 runs every kernel on the calling thread, with no oneTBB at all
/// (what the thread-sanitizer run uses: oneTBB's own synchronization is invisible to it).
int initial_threads() {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) threads = n;
  }
  return threads;
}

struct ThreadSetting {
  std::mutex mutex;
  int threads = initial_threads();
  std::unique_ptr<tbb::global_control> control =
      threads == static_cast<int>(std::thread::hardware_concurrency())
          ? nullptr
          : std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<size_t>(threads));
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
