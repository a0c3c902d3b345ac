#include "runtime/cuda_driver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <utility>

namespace kiln::runtime {
namespace {

/// Each entry point: its exported name and its slot in the table.
std::vector<std::pair<const char*, void**>> entry_points(CudaDriverApi& api) {
  auto slot = [](auto& fn) { return reinterpret_cast<void**>(&fn); };
  return {
      {"cuInit", slot(api.cuInit)},
      {"cuDriverGetVersion", slot(api.cuDriverGetVersion)},
      {"cuGetErrorName", slot(api.cuGetErrorName)},
      {"cuGetErrorString", slot(api.cuGetErrorString)},
      {"cuDeviceGetCount", slot(api.cuDeviceGetCount)},
      {"cuDeviceGet", slot(api.cuDeviceGet)},
      {"cuDeviceGetAttribute", slot(api.cuDeviceGetAttribute)},
      {"cuDevicePrimaryCtxRetain", slot(api.cuDevicePrimaryCtxRetain)},
      {"cuDevicePrimaryCtxRelease_v2", slot(api.cuDevicePrimaryCtxRelease)},
      {"cuCtxSetCurrent", slot(api.cuCtxSetCurrent)},
      {"cuMemAlloc_v2", slot(api.cuMemAlloc)},
      {"cuMemFree_v2", slot(api.cuMemFree)},
      {"cuMemcpyHtoDAsync_v2", slot(api.cuMemcpyHtoDAsync)},
      {"cuMemcpyDtoHAsync_v2", slot(api.cuMemcpyDtoHAsync)},
      {"cuMemcpyDtoDAsync_v2", slot(api.cuMemcpyDtoDAsync)},
      {"cuStreamCreate", slot(api.cuStreamCreate)},
      {"cuStreamDestroy_v2", slot(api.cuStreamDestroy)},
      {"cuStreamSynchronize", slot(api.cuStreamSynchronize)},
      {"cuModuleLoadData", slot(api.cuModuleLoadData)},
      {"cuModuleUnload", slot(api.cuModuleUnload)},
      {"cuModuleGetFunction", slot(api.cuModuleGetFunction)},
      {"cuLaunchKernel", slot(api.cuLaunchKernel)},
      {"cuMemGetInfo_v2", slot(api.cuMemGetInfo)},
      {"cuDeviceGetName", slot(api.cuDeviceGetName)},
      {"cuStreamBeginCapture_v2", slot(api.cuStreamBeginCapture)},
      {"cuStreamEndCapture", slot(api.cuStreamEndCapture)},
      {"cuGraphInstantiateWithFlags", slot(api.cuGraphInstantiateWithFlags)},
      {"cuGraphLaunch", slot(api.cuGraphLaunch)},
      {"cuGraphExecDestroy", slot(api.cuGraphExecDestroy)},
      {"cuGraphDestroy", slot(api.cuGraphDestroy)},
  };
}

/// Fills `api` from `lib`; returns the names it lacks.
std::vector<std::string> resolve(void* lib, CudaDriverApi& api) {
  std::vector<std::string> missing;
  for (auto& [name, slot] : entry_points(api)) {
    *slot = dlsym(lib, name);
    if (!*slot) missing.push_back(name);
  }
  return missing;
}

std::string library_path() {
  const char* path = std::getenv("KILN_CUDA_DRIVER");
  return path && *path ? path : "libcuda.so.1";
}

/// The driver's name for `code`, through `api` (which may be only partly loaded).
std::string error_name(const CudaDriverApi& api, int code) {
  const char* name = nullptr;
  if (api.cuGetErrorName && api.cuGetErrorName(code, &name) == 0 && name) return name;
  switch (code) {  // the ones a machine without a working GPU gives (the stub names none)
    case 2:
      return "CUDA_ERROR_OUT_OF_MEMORY";
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

struct Driver {
  CudaStatus status;
  CudaDriverApi api{};
};

Driver load() {
  Driver d;
  CudaStatus& status = d.status;
  const std::string path = library_path();
  // Kept loaded for the life of the process: the driver is a process-wide resource.
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    status.reason = path + " not found (no NVIDIA driver on this machine): " +
                    (why ? std::string(why) : std::string("dlopen failed"));
    return d;
  }
  if (auto missing = resolve(lib, d.api); !missing.empty()) {
    status.reason = path + " lacks the driver entry point " + missing.front();
    return d;
  }
  d.api.cuDriverGetVersion(&status.driver_version);
  if (int rc = d.api.cuInit(0); rc != 0) {
    status.reason = "cuInit failed: " + error_name(d.api, rc);
    return d;
  }
  if (int rc = d.api.cuDeviceGetCount(&status.devices); rc != 0) {
    status.reason = "cuDeviceGetCount failed: " + error_name(d.api, rc);
    status.devices = 0;
    return d;
  }
  if (status.devices == 0) {
    status.reason = "the CUDA driver sees no device";
    return d;
  }
  status.available = true;
  return d;
}

const Driver& driver() {
  static const Driver d = load();
  return d;
}

}  // namespace

std::string cuda_error_name(int code) { return error_name(driver().api, code); }

const CudaStatus& cuda_status() { return driver().status; }

const CudaDriverApi* cuda_driver_api() {
  const Driver& d = driver();
  return d.status.available ? &d.api : nullptr;
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

std::vector<std::string> missing_cuda_entry_points(const std::string& library) {
  void* lib = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) return {"(cannot open " + library + ")"};
  CudaDriverApi api{};
  std::vector<std::string> missing = resolve(lib, api);
  dlclose(lib);
  return missing;
}

}  // namespace kiln::runtime
