#include "runtime/device_allocator.h"

#include "kiln/error.h"
#include "runtime/op_frame.h"
#include "runtime/size_class.h"

namespace kiln::runtime {
namespace {

// Every device block is cached (a device allocation costs far more than a host one), in
// classes that start at 512 bytes.
constexpr size_t kSmallestClass = 512;

size_t device_class(size_t bytes) { return size_class(bytes, kSmallestClass); }

// The pool this thread captures into, and on which allocator.
thread_local const CachingDeviceAllocator* t_capture_allocator = nullptr;
thread_local CapturePool* t_capture_pool = nullptr;

}  // namespace

CachingDeviceAllocator::CachingDeviceAllocator(DeviceMemory& memory, size_t cache_limit)
    : memory_(memory), cache_limit_(cache_limit) {}

CachingDeviceAllocator::~CachingDeviceAllocator() {
  std::lock_guard<std::mutex> lock(mutex_);
  empty_cache_locked();
}

CachingDeviceAllocator::Capture::Capture(CachingDeviceAllocator& allocator, CapturePool& pool)
    : previous_allocator_(t_capture_allocator), previous_pool_(t_capture_pool) {
  t_capture_allocator = &allocator;
  t_capture_pool = &pool;
}

CachingDeviceAllocator::Capture::~Capture() {
  t_capture_allocator = previous_allocator_;
  t_capture_pool = previous_pool_;
}

void CachingDeviceAllocator::release_pool(CapturePool& pool) {
  for (auto& [cls, blocks] : pool.idle)
    for (uint64_t p : blocks) release(p, cls);
  pool.idle.clear();
}

uint64_t CachingDeviceAllocator::allocate(size_t bytes) {
  const size_t cls = device_class(bytes);
  if (t_capture_allocator == this) {  // a graph's own blocks first
    auto it = t_capture_pool->idle.find(cls);
    if (it != t_capture_pool->idle.end() && !it->second.empty()) {
      const uint64_t p = it->second.back();
      it->second.pop_back();
      return p;  // still counted live: it never left the graph
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = free_.find(cls); it != free_.end() && !it->second.empty()) {
    const uint64_t p = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= cls;
    stats_.live_bytes += cls;
    return p;
  }
  uint64_t p = memory_.allocate(cls);
  if (p == 0 && stats_.cached_bytes > 0) {  // idle blocks of other sizes: give them back
    empty_cache_locked();
    p = memory_.allocate(cls);
  }
  if (p == 0)
    throw Error(op_message("allocate", memory_.name() + " is out of memory allocating " +
                                           std::to_string(bytes) + " bytes (" +
                                           std::to_string(stats_.live_bytes) +
                                           " bytes in use by kiln)"));
  ++stats_.device_allocations;
  stats_.live_bytes += cls;
  return p;
}

void CachingDeviceAllocator::release(uint64_t pointer, size_t bytes) {
  if (pointer == 0) return;
  const size_t cls = device_class(bytes);
  if (t_capture_allocator == this) {  // the graph keeps it
    t_capture_pool->idle[cls].push_back(pointer);
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.live_bytes -= cls;
  if (stats_.cached_bytes + cls > cache_limit_) {
    memory_.free(pointer);
    ++stats_.device_frees;
    return;
  }
  free_[cls].push_back(pointer);
  stats_.cached_bytes += cls;
}

void CachingDeviceAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  empty_cache_locked();
}

void CachingDeviceAllocator::empty_cache_locked() {
  for (auto& [cls, blocks] : free_)
    for (uint64_t p : blocks) {
      memory_.free(p);
      ++stats_.device_frees;
    }
  free_.clear();
  stats_.cached_bytes = 0;
}

CachingDeviceAllocator::Stats CachingDeviceAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace kiln::runtime
