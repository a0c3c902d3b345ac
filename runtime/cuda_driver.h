// The CUDA driver, found at run time (TOOLCHAIN.md: never link libcuda — its SONAME does
// not exist without an NVIDIA driver, so a linked program would not even start). kiln
// dlopens libcuda.so.1 once; on a machine without a GPU every CUDA request becomes a
// kiln::Error that says why, never a crash. No CUDA header is needed to build this: the
// driver API's C ABI for the entry points kiln uses is declared here (CUresult is an int,
// CUdevice an int, CUdeviceptr a 64-bit integer, contexts/streams/modules/functions
// opaque pointers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kiln/dtype.h"

namespace kiln::runtime {

/// The driver entry points kiln uses (names as exported by libcuda; `_v2` where the
/// header maps the plain name to it).
struct CudaDriverApi {
  int (*cuInit)(unsigned flags);
  int (*cuDriverGetVersion)(int* version);
  int (*cuGetErrorName)(int error, const char** name);
  int (*cuGetErrorString)(int error, const char** text);
  int (*cuDeviceGetCount)(int* count);
  int (*cuDeviceGet)(int* device, int ordinal);
  int (*cuDeviceGetAttribute)(int* value, int attribute, int device);
  int (*cuDevicePrimaryCtxRetain)(void** context, int device);
  int (*cuDevicePrimaryCtxRelease)(int device);
  int (*cuCtxSetCurrent)(void* context);
  int (*cuMemAlloc)(uint64_t* pointer, size_t bytes);
  int (*cuMemFree)(uint64_t pointer);
  int (*cuMemcpyHtoDAsync)(uint64_t to, const void* from, size_t bytes, void* stream);
  int (*cuMemcpyDtoHAsync)(void* to, uint64_t from, size_t bytes, void* stream);
  int (*cuMemcpyDtoDAsync)(uint64_t to, uint64_t from, size_t bytes, void* stream);
  int (*cuStreamCreate)(void** stream, unsigned flags);
  int (*cuStreamDestroy)(void* stream);
  int (*cuStreamSynchronize)(void* stream);
  int (*cuModuleLoadData)(void** module, const void* image);
  int (*cuModuleUnload)(void* module);
  int (*cuModuleGetFunction)(void** function, void* module, const char* name);
  int (*cuLaunchKernel)(void* function, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                        unsigned block_x, unsigned block_y, unsigned block_z, unsigned shared_bytes,
                        void* stream, void** params, void** extra);
  int (*cuMemGetInfo)(size_t* free, size_t* total);
  int (*cuDeviceGetName)(char* name, int length, int device);
  // CUDA graphs: a cached call's launches captured once and replayed as one.
  int (*cuStreamBeginCapture)(void* stream, int mode);
  int (*cuStreamEndCapture)(void* stream, void** graph);
  int (*cuGraphInstantiateWithFlags)(void** exec, void* graph, unsigned long long flags);
  int (*cuGraphLaunch)(void* exec, void* stream);
  int (*cuGraphExecDestroy)(void* exec);
  int (*cuGraphDestroy)(void* graph);
};

/// What kiln found of the CUDA driver (loaded and initialized once, thread-safe).
struct CudaStatus {
  bool available = false;  // the driver loaded and initialized, with at least one device
  int devices = 0;
  int driver_version = 0;  // e.g. 13000 for CUDA 13.0; 0 if unknown
  std::string reason;      // when not available: why ("libcuda.so.1 not found: ...")
};
const CudaStatus& cuda_status();

/// The driver's entry points once it is available; null otherwise (cuda_status says why).
const CudaDriverApi* cuda_driver_api();

/// Why CUDA device `device` cannot be used ("cuda:0 is not available: <reason>"), or ""
/// when it exists. $KILN_CUDA_DRIVER names another driver library to load (the tests load
/// the toolkit's stub, whose cuInit fails).
std::string cuda_device_problem(Device device);

/// The entry points of CudaDriverApi that `library` does not export (empty: all there),
/// without initializing it: checks the table against a real libcuda or the stub.
std::vector<std::string> missing_cuda_entry_points(const std::string& library);

/// The driver's name for an error code ("CUDA_ERROR_OUT_OF_MEMORY"), or "CUDA error <n>".
std::string cuda_error_name(int code);

}  // namespace kiln::runtime
