// One CUDA device as kiln uses it: the driver's primary context, one stream on which every
// op for the device is queued in program order (PyTorch's default-stream semantics: the
// host does not wait for kernels; reading a value to the host does), the caching
// allocator for its memory, and the modules loaded on it. Everything goes through the
// driver API found at run time (cuda_driver.h), so a machine without a GPU builds and runs
// kiln, and asking it for a CUDA device is a kiln::Error that says why.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "kiln/dtype.h"
#include "runtime/device_allocator.h"

namespace kiln::runtime {

/// Throws kiln::Error "[cuda] <what> failed: CUDA_ERROR_..." when `result` is not success.
void cuda_check(int result, const char* what);

/// A launch's geometry.
struct LaunchShape {
  unsigned grid_x = 1, grid_y = 1, grid_z = 1;
  unsigned block_x = 1, block_y = 1, block_z = 1;
  unsigned shared_bytes = 0;
};

class CudaDevice {
 public:
  /// The device, initialized on first use. Throws kiln::Error naming the device and the
  /// reason when it cannot be used (no driver, no such device). Devices live for the rest
  /// of the process (their blocks may be released by tensors destroyed at exit).
  static CudaDevice& get(Device device);

  Device device() const { return device_; }
  /// "NVIDIA H100 80GB HBM3"
  const std::string& name() const { return name_; }
  /// Compute capability as major * 10 + minor (90 for sm_90).
  int compute_capability() const { return capability_; }
  int multiprocessors() const { return multiprocessors_; }

  /// Makes the device's context current on the calling thread (cheap when it already is).
  void make_current() const;
  /// The device's stream (a CUstream, which is also a cudaStream_t).
  void* stream() const { return stream_; }

  uint64_t allocate(size_t bytes);
  void release(uint64_t pointer, size_t bytes);
  CachingDeviceAllocator& allocator() { return *allocator_; }

  /// Host -> device, queued on the stream; returns once `from` may be reused (the driver
  /// stages pageable memory).
  void copy_to_device(uint64_t to, const void* from, size_t bytes);
  /// Device -> host: waits for the stream, so the host sees every earlier op's result.
  void copy_to_host(void* to, uint64_t from, size_t bytes);
  void copy_on_device(uint64_t to, uint64_t from, size_t bytes);
  /// Waits until every op queued on the device's stream has finished.
  void synchronize();

  /// The kernel `name` of the module image `image` (a fatbin, cubin or NUL-terminated
  /// PTX), loaded on this device the first time it is asked for and kept: for images that
  /// live as long as the process (the embedded kernels; the JIT's use CudaModule).
  void* function(const void* image, const char* name);
  /// Queues kernel `function` with `params` (pointers to each argument, cuLaunchKernel's
  /// convention) on the stream.
  void launch(void* function, const LaunchShape& shape, void** params);
  /// Kernels launched on this device so far (cuBLAS' own not counted).
  uint64_t launch_count() const { return launches_.load(std::memory_order_relaxed); }

 private:
  explicit CudaDevice(Device device);

  Device device_;
  std::atomic<uint64_t> launches_{0};
  int ordinal_ = 0;
  void* context_ = nullptr;
  void* stream_ = nullptr;
  std::string name_;
  int capability_ = 0;
  int multiprocessors_ = 0;
  std::unique_ptr<DeviceMemory> memory_;
  std::unique_ptr<CachingDeviceAllocator> allocator_;
  std::mutex modules_mutex_;
  std::unordered_map<const void*, void*> modules_;    // image -> CUmodule
  std::unordered_map<std::string, void*> functions_;  // "<image>:<name>" -> CUfunction
};

/// A module loaded on a device for as long as this is held: a compiled function's PTX,
/// unloaded with the function (an image address can be reused by the next function, so
/// JIT modules are never cached by address).
class CudaModule {
 public:
  /// Loads `image` (NUL-terminated PTX, or a fatbin/cubin); the driver keeps its own copy.
  CudaModule(CudaDevice& device, const void* image);
  ~CudaModule();
  CudaModule(const CudaModule&) = delete;
  CudaModule& operator=(const CudaModule&) = delete;
  void* function(const char* name) const;

 private:
  CudaDevice& device_;
  void* module_ = nullptr;
};

}  // namespace kiln::runtime
