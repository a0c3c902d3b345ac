#include "runtime/cuda_device.h"

#include <array>
#include <cstdio>

#include "kiln/error.h"
#include "runtime/cuda_driver.h"

namespace kiln::runtime {
namespace {

// CUdevice_attribute values (cuda.h).
constexpr int kMultiprocessorCount = 16;
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;
constexpr unsigned kStreamNonBlocking = 1;  // CU_STREAM_NON_BLOCKING

const CudaDriverApi& api() {
  const CudaDriverApi* a = cuda_driver_api();
  if (a == nullptr) throw Error("[cuda] no CUDA driver: " + cuda_status().reason);
  return *a;
}

/// Device memory straight from the driver, for the caching allocator.
class DriverMemory final : public DeviceMemory {
 public:
  DriverMemory(const CudaDevice& device) : device_(device) {}
  uint64_t allocate(size_t bytes) override {
    device_.make_current();
    uint64_t p = 0;
    int rc = api().cuMemAlloc(&p, bytes);
    if (rc == 2) return 0;  // CUDA_ERROR_OUT_OF_MEMORY: the allocator empties its cache and retries
    cuda_check(rc, "cuMemAlloc");
    return p;
  }
  void free(uint64_t pointer) override {
    device_.make_current();
    // Blocks freed while kernels may still use them: cuMemFree synchronizes the context.
    api().cuMemFree(pointer);
  }
  std::string name() const override { return to_string(device_.device()); }

 private:
  const CudaDevice& device_;
};

/// Idle device memory kept for reuse: enough for a model's working set, bounded so other
/// processes on a shared card are not starved.
constexpr size_t kDeviceCacheLimit = size_t{8} << 30;

}  // namespace

void cuda_check(int result, const char* what) {
  if (result != 0)
    throw Error(std::string("[cuda] ") + what + " failed: " + cuda_error_name(result));
}

CudaDevice& CudaDevice::get(Device device) {
  // Every CUDA op and every buffer release asks for its device: once it exists, that is
  // one atomic load (no lock, no string).
  static std::array<std::atomic<CudaDevice*>, 64> devices{};
  const auto index = static_cast<size_t>(device.index);
  if (index < devices.size())
    if (CudaDevice* d = devices[index].load(std::memory_order_acquire)) return *d;
  if (std::string problem = cuda_device_problem(device); !problem.empty())
    throw Error("[cuda] " + problem);
  if (index >= devices.size())
    throw Error("[cuda] " + to_string(device) + ": kiln supports up to 64 devices");
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  CudaDevice* d = devices[index].load(std::memory_order_relaxed);
  // Never destroyed: tensors freed during static destruction still release into it, and
  // the driver tears contexts down itself at exit.
  if (d == nullptr) {
    d = new CudaDevice(device);
    devices[index].store(d, std::memory_order_release);
  }
  return *d;
}

CudaDevice::CudaDevice(Device device) : device_(device) {
  const CudaDriverApi& a = api();
  cuda_check(a.cuDeviceGet(&ordinal_, device.index), "cuDeviceGet");
  cuda_check(a.cuDevicePrimaryCtxRetain(&context_, ordinal_), "cuDevicePrimaryCtxRetain");
  make_current();
  char name[256] = {};
  if (a.cuDeviceGetName(name, sizeof name, ordinal_) == 0) name_ = name;
  int major = 0, minor = 0;
  cuda_check(a.cuDeviceGetAttribute(&major, kComputeCapabilityMajor, ordinal_),
             "cuDeviceGetAttribute");
  cuda_check(a.cuDeviceGetAttribute(&minor, kComputeCapabilityMinor, ordinal_),
             "cuDeviceGetAttribute");
  cuda_check(a.cuDeviceGetAttribute(&multiprocessors_, kMultiprocessorCount, ordinal_),
             "cuDeviceGetAttribute");
  capability_ = major * 10 + minor;
  // Non-blocking: kiln's stream does not serialize with the legacy default stream that
  // other libraries in the process may use.
  cuda_check(a.cuStreamCreate(&stream_, kStreamNonBlocking), "cuStreamCreate");
  memory_ = std::make_unique<DriverMemory>(*this);
  allocator_ = std::make_unique<CachingDeviceAllocator>(*memory_, kDeviceCacheLimit);
}

void CudaDevice::make_current() const {
  // The driver keeps a current context per thread; setting it costs a call, so remember it.
  thread_local const void* current = nullptr;
  if (current == context_) return;
  cuda_check(api().cuCtxSetCurrent(context_), "cuCtxSetCurrent");
  current = context_;
}

uint64_t CudaDevice::allocate(size_t bytes) { return allocator_->allocate(bytes); }

void CudaDevice::release(uint64_t pointer, size_t bytes) { allocator_->release(pointer, bytes); }

void CudaDevice::copy_to_device(uint64_t to, const void* from, size_t bytes) {
  if (bytes == 0) return;
  make_current();
  cuda_check(api().cuMemcpyHtoDAsync(to, from, bytes, stream_), "cuMemcpyHtoDAsync");
}

void CudaDevice::copy_to_host(void* to, uint64_t from, size_t bytes) {
  make_current();
  if (bytes > 0) cuda_check(api().cuMemcpyDtoHAsync(to, from, bytes, stream_), "cuMemcpyDtoHAsync");
  synchronize();
}

void CudaDevice::copy_on_device(uint64_t to, uint64_t from, size_t bytes) {
  if (bytes == 0) return;
  make_current();
  cuda_check(api().cuMemcpyDtoDAsync(to, from, bytes, stream_), "cuMemcpyDtoDAsync");
}

void CudaDevice::synchronize() {
  make_current();
  // Errors of earlier asynchronous launches (an illegal address) surface here.
  cuda_check(api().cuStreamSynchronize(stream_), "cuStreamSynchronize (an earlier kernel failed)");
}

void* CudaDevice::function(const void* image, const char* name) {
  std::lock_guard<std::mutex> lock(modules_mutex_);
  char key_prefix[32];
  std::snprintf(key_prefix, sizeof key_prefix, "%p:", image);
  std::string key = std::string(key_prefix) + name;
  if (auto it = functions_.find(key); it != functions_.end()) return it->second;
  make_current();
  void*& module = modules_[image];
  if (module == nullptr) {
    int rc = api().cuModuleLoadData(&module, image);
    if (rc != 0) {
      module = nullptr;
      cuda_check(rc, "cuModuleLoadData (kernels built for sm_90; is this device older?)");
    }
  }
  void* fn = nullptr;
  int rc = api().cuModuleGetFunction(&fn, module, name);
  if (rc != 0)
    throw Error(std::string("[cuda] kernel ") + name + " not found: " + cuda_error_name(rc));
  functions_.emplace(std::move(key), fn);
  return fn;
}

void CudaDevice::launch(void* function, const LaunchShape& s, void** params) {
  make_current();
  launches_.fetch_add(1, std::memory_order_relaxed);
  cuda_check(api().cuLaunchKernel(function, s.grid_x, s.grid_y, s.grid_z, s.block_x, s.block_y,
                                  s.block_z, s.shared_bytes, stream_, params, nullptr),
             "cuLaunchKernel");
}

CudaModule::CudaModule(CudaDevice& device, const void* image) : device_(device) {
  device.make_current();
  cuda_check(api().cuModuleLoadData(&module_, image),
             "cuModuleLoadData (a compiled function's kernels)");
}

CudaModule::~CudaModule() {
  // Launches of its kernels may still be queued: let them finish first.
  device_.make_current();
  api().cuStreamSynchronize(device_.stream());
  api().cuModuleUnload(module_);
}

void* CudaModule::function(const char* name) const {
  void* fn = nullptr;
  int rc = api().cuModuleGetFunction(&fn, module_, name);
  if (rc != 0)
    throw Error(std::string("[cuda] kernel ") + name + " not found: " + cuda_error_name(rc));
  return fn;
}

}  // namespace kiln::runtime
