// The caching allocator for device memory (CUDA): steady-state calls reuse blocks instead
// of paying a cuMemAlloc/cuMemFree per op (no cudaMalloc per op in steady state), as PyTorch's CUDA caching allocator does. Blocks are cached by size class
// (size_class.h). kiln runs each device's work on one stream, in order, so a block
// released by one op can go to the next op at once: every later use is queued after every
// earlier one. The device itself is behind DeviceMemory (the CUDA driver in the runtime,
// a fake in the tests), so this logic is tested without a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::runtime {

/// Raw device memory: what the caching allocator asks of a device.
class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  /// A block of `bytes`, or 0 when the device is out of memory.
  virtual uint64_t allocate(size_t bytes) = 0;
  virtual void free(uint64_t pointer) = 0;
  /// "cuda:0", for error messages.
  virtual std::string name() const = 0;
};

/// The blocks of one captured CUDA graph: the graph's kernels write them at every replay,
/// so they must stay out of the shared cache for the graph's life. While a pool is active
/// on a thread (CachingDeviceAllocator::Capture), that thread's releases on the allocator
/// go to the pool and its allocations take from it first.
struct CapturePool {
  std::map<size_t, std::vector<uint64_t>> idle;  // size class -> blocks
};

class CachingDeviceAllocator {
 public:
  /// Routes this thread's allocations and releases through `pool` while it lives.
  class Capture {
   public:
    Capture(CachingDeviceAllocator& allocator, CapturePool& pool);
    ~Capture();
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;

   private:
    const CachingDeviceAllocator* previous_allocator_;
    CapturePool* previous_pool_;
  };
  /// Gives a pool's idle blocks to the shared cache (its graph is gone).
  void release_pool(CapturePool& pool);

  /// Keeps at most `cache_limit` bytes of idle blocks.
  CachingDeviceAllocator(DeviceMemory& memory, size_t cache_limit);
  ~CachingDeviceAllocator();  // gives every cached block back to the device
  CachingDeviceAllocator(const CachingDeviceAllocator&) = delete;
  CachingDeviceAllocator& operator=(const CachingDeviceAllocator&) = delete;

  /// A block of at least `bytes`: a cached one of its size class, else a new one; when
  /// the device is out of memory, the cache is emptied and the request tried once more.
  /// Throws kiln::Error naming the device and the size when that fails too.
  uint64_t allocate(size_t bytes);
  /// `pointer` came from allocate(bytes): it goes to the cache (or back to the device past
  /// the cache limit).
  void release(uint64_t pointer, size_t bytes);
  /// Gives every idle block back to the device.
  void empty_cache();

  struct Stats {
    size_t live_bytes = 0;          // handed out, in size classes
    size_t cached_bytes = 0;        // idle in the cache
    size_t device_allocations = 0;  // calls to DeviceMemory::allocate that succeeded
    size_t device_frees = 0;
  };
  Stats stats() const;

 private:
  void empty_cache_locked();

  DeviceMemory& memory_;
  const size_t cache_limit_;
  mutable std::mutex mutex_;
  std::map<size_t, std::vector<uint64_t>> free_;  // size class -> idle blocks
  Stats stats_;
};

}  // namespace kiln::runtime
