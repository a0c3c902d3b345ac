#include "runtime/cuda_driver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace kiln::runtime {
namespace {

// The driver API's C ABI for the few entry points used here (cuda.h: CUresult is an int
// enum, CUdevice an int); declared here so the build needs no toolkit.
using CuInit = int (*)(unsigned);
using CuDeviceGetCount = int (*)(int*);
using CuDriverGetVersion = int (*)(int*);
using CuGetErrorName = int (*)(int, const char**);

std::string error_name(CuGetErrorName name_of, int code) {
  const char* name = nullptr;
  if (name_of && name_of(code, &name) == 0 && name) return name;
  switch (code) {  // the ones a machine without a working GPU gives (the stub names none)
    case 34:
      return "CUDA_ERROR_STUB_LIBRARY (the toolkit's stub, not a driver)";
    case 35:
      return "CUDA_ERROR_INSUFFICIENT_DRIVER";
    case 100:
      return "CUDA_ERROR_NO_DEVICE";
    default:
      return "CUDA error " + std::to_string(code);
  }
}

CudaStatus load() {
  CudaStatus status;
  const char* override_path = std::getenv("KILN_CUDA_DRIVER");
  const std::string path = override_path && *override_path ? override_path : "libcuda.so.1";
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    status.reason = path + " not found (no NVIDIA driver on this machine): " +
                    (why ? std::string(why) : std::string("dlopen failed"));
    return status;
  }
  // Kept loaded for the life of the process: the driver is a process-wide resource.
  auto init = reinterpret_cast<CuInit>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<CuDeviceGetCount>(dlsym(lib, "cuDeviceGetCount"));
  auto version = reinterpret_cast<CuDriverGetVersion>(dlsym(lib, "cuDriverGetVersion"));
  auto name_of = reinterpret_cast<CuGetErrorName>(dlsym(lib, "cuGetErrorName"));
  if (!init || !count) {
    status.reason = path + " is not a CUDA driver (cuInit or cuDeviceGetCount missing)";
    return status;
  }
  if (version) version(&status.driver_version);
  if (int rc = init(0); rc != 0) {
    status.reason = "cuInit failed: " + error_name(name_of, rc);
    return status;
  }
  if (int rc = count(&status.devices); rc != 0) {
    status.reason = "cuDeviceGetCount failed: " + error_name(name_of, rc);
    status.devices = 0;
    return status;
  }
  if (status.devices == 0) {
    status.reason = "the CUDA driver sees no device";
    return status;
  }
  status.available = true;
  return status;
}

}  // namespace

const CudaStatus& cuda_status() {
  static const CudaStatus status = load();
  return status;
}

std::string cuda_device_problem(Device device) {
  const CudaStatus& s = cuda_status();
  const std::string what = to_string(device) + " is not available: ";
  if (!s.available) return what + s.reason;
  if (device.index < 0 || device.index >= s.devices)
    return what + "this machine has " + std::to_string(s.devices) + " CUDA device" +
           (s.devices == 1 ? "" : "s");
  return "";
}

}  // namespace kiln::runtime
