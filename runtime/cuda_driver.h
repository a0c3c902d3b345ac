// The CUDA driver, found at run time (TOOLCHAIN.md: never link libcuda — its SONAME does
// not exist without an NVIDIA driver, so a linked program would not even start). kiln
// dlopens libcuda.so.1 once; on a machine without a GPU every CUDA request becomes a
// kiln::Error that says why, never a crash. No CUDA header is needed to build this.
#pragma once

#include <string>

#include "kiln/dtype.h"

namespace kiln::runtime {

/// What kiln found of the CUDA driver (loaded and initialized once, thread-safe).
struct CudaStatus {
  bool available = false;  // the driver loaded and initialized, with at least one device
  int devices = 0;
  int driver_version = 0;  // e.g. 13000 for CUDA 13.0; 0 if unknown
  std::string reason;      // when not available: why ("libcuda.so.1 not found: ...")
};
const CudaStatus& cuda_status();

/// Why CUDA device `device` cannot be used ("cuda:0 is not available: <reason>"), or ""
/// when it exists. $KILN_CUDA_DRIVER names another driver library to load (the tests load
/// the toolkit's stub, whose cuInit fails).
std::string cuda_device_problem(Device device);

}  // namespace kiln::runtime
