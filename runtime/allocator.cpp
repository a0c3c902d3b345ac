#include "runtime/allocator.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "kiln/error.h"
#include "runtime/op_frame.h"
#include "runtime/size_class.h"

namespace kiln::runtime {
namespace {

constexpr size_t kAlignment = kAllocationAlignment;
// Blocks below this come straight from malloc: glibc serves them from its arenas
// without page faults, and caching them would only add contention.
constexpr size_t kCacheMinBytes = 64 * 1024;
// Upper bound on what the cache keeps idle; beyond it blocks go back to the system.
constexpr size_t kCacheMaxBytes = size_t{2} << 30;

size_t size_class(size_t bytes) { return runtime::size_class(bytes, kCacheMinBytes); }

class HostCache {
 public:
  void* take(size_t cls) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(cls);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= cls;
    return p;
  }
  /// Keeps the block unless the cache is full; returns false if the caller must free it.
  bool put(void* p, size_t cls) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + cls > kCacheMaxBytes) return false;
    free_[cls].push_back(p);
    cached_ += cls;
    return true;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [cls, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_ = 0;
  }
  ~HostCache() { clear(); }

 private:
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

std::atomic<size_t> live_bytes{0};
std::atomic<size_t> peak_live_bytes{0};

void count_allocation(size_t cls) {
  const size_t live = live_bytes.fetch_add(cls, std::memory_order_relaxed) + cls;
  size_t peak = peak_live_bytes.load(std::memory_order_relaxed);
  while (live > peak &&
         !peak_live_bytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}

// The one process-wide cache (memory is a process-wide resource); thread-safe.
HostCache& cache() {
  static HostCache instance;
  return instance;
}

}  // namespace

void* host_allocate(size_t bytes) {
  if (bytes > (size_t{1} << 62))  // beyond any tensor (shape_rules.h); the rounding would wrap
    throw Error(op_message("allocate", "cannot allocate " + std::to_string(bytes) + " bytes"));
  size_t cls = size_class(bytes);
  if (cls >= kCacheMinBytes)
    if (void* p = cache().take(cls)) {
      count_allocation(cls);
      return p;
    }
  void* p = std::aligned_alloc(kAlignment, cls);
  if (p == nullptr) {
    cache().clear();
    p = std::aligned_alloc(kAlignment, cls);
  }
  if (p == nullptr)
    throw Error(op_message("allocate", "out of host memory allocating " +
                                           std::to_string(bytes) + " bytes"));
  count_allocation(cls);
  return p;
}

void host_deallocate(void* ptr, size_t bytes) {
  if (ptr == nullptr) return;
  size_t cls = size_class(bytes);
  live_bytes.fetch_sub(cls, std::memory_order_relaxed);
  if (cls >= kCacheMinBytes && cache().put(ptr, cls)) return;
  std::free(ptr);
}

HostMemoryStats host_memory_stats() {
  return {live_bytes.load(std::memory_order_relaxed),
          peak_live_bytes.load(std::memory_order_relaxed)};
}

void reset_host_peak() {
  peak_live_bytes.store(live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace kiln::runtime
