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
#include "runtime/thread_instance.h"

namespace kiln::runtime {
namespace {

constexpr size_t kAlignment = kAllocationAlignment;
// Blocks from this size up are shared by every thread (the process-wide cache); below it
// each thread keeps a few blocks of each size class for itself (SmallCache).
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

// Small blocks (a graph-mode step's 16x16 result, a scalar) are taken and given back at
// every op: through malloc, a 64-byte-aligned block costs a split and a merge (and glibc
// consolidates its free lists when a merge grows the top chunk), several times the cost of
// a small kernel. Each thread keeps up to kPerClass blocks per size class, at most
// kMaxBytes in all, without locks; a block freed on another thread joins that thread's.
class SmallCache {
 public:
  static constexpr size_t kClasses = kCacheMinBytes / kAlignment;  // 64, 128, ... bytes
  static constexpr size_t kPerClass = 8;
  static constexpr size_t kMaxBytes = size_t{1} << 20;

  void* take(size_t cls) {
    std::vector<void*>& blocks = free_[cls / kAlignment - 1];
    if (blocks.empty()) return nullptr;
    void* p = blocks.back();
    blocks.pop_back();
    bytes_ -= cls;
    return p;
  }
  bool put(void* p, size_t cls) {
    std::vector<void*>& blocks = free_[cls / kAlignment - 1];
    if (blocks.size() >= kPerClass || bytes_ + cls > kMaxBytes) return false;
    if (blocks.capacity() == 0) blocks.reserve(kPerClass);
    blocks.push_back(p);
    bytes_ += cls;
    return true;
  }
  void clear() {
    for (auto& blocks : free_) {
      for (void* p : blocks) std::free(p);
      blocks.clear();
    }
    bytes_ = 0;
  }
  ~SmallCache() { clear(); }

 private:
  std::vector<void*> free_[kClasses];
  size_t bytes_ = 0;
};

// This thread's small-block cache; null once the thread has ended (a tensor destroyed
// later, by another thread_local's destructor, goes to free()).
SmallCache* small_cache() { return thread_instance<SmallCache>(); }

std::atomic<size_t> live_bytes{0};
std::atomic<size_t> peak_live_bytes{0};
std::atomic<size_t> allocated_bytes{0};

void count_allocation(size_t cls) {
  allocated_bytes.fetch_add(cls, std::memory_order_relaxed);
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
  void* p = nullptr;
  if (cls >= kCacheMinBytes) {
    p = cache().take(cls);
  } else if (SmallCache* small = small_cache()) {
    p = small->take(cls);
  }
  if (p != nullptr) {
    count_allocation(cls);
    return p;
  }
  p = std::aligned_alloc(kAlignment, cls);
  if (p == nullptr) {
    cache().clear();
    if (SmallCache* small = small_cache()) small->clear();
    p = std::aligned_alloc(kAlignment, cls);
  }
  if (p == nullptr)
    throw Error(op_message("allocate",
                           "out of host memory allocating " + std::to_string(bytes) + " bytes"));
  count_allocation(cls);
  return p;
}

void host_deallocate(void* ptr, size_t bytes) {
  if (ptr == nullptr) return;
  size_t cls = size_class(bytes);
  live_bytes.fetch_sub(cls, std::memory_order_relaxed);
  if (cls >= kCacheMinBytes) {
    if (cache().put(ptr, cls)) return;
  } else if (SmallCache* small = small_cache()) {
    if (small->put(ptr, cls)) return;
  }
  std::free(ptr);
}

HostMemoryStats host_memory_stats() {
  return {live_bytes.load(std::memory_order_relaxed),
          peak_live_bytes.load(std::memory_order_relaxed),
          allocated_bytes.load(std::memory_order_relaxed)};
}

void reset_host_peak() {
  peak_live_bytes.store(live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace kiln::runtime
