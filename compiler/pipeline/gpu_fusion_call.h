// Calling a fused kernel compiled to PTX (compiler/pipeline/gpu_codegen.h) from the execution plan
// of a function that runs on a CUDA device (no MLIR here). The kernels take their memrefs
// as MLIR's GPU lowering passes them: each descriptor's fields (allocated and aligned
// pointer, offset, sizes, strides) as separate parameters, over the tensors' contiguous
// storage in the fusion's collapsed layout. Loop kernels run one thread per element of
// the iteration space; row kernels one block per row, the block's threads striding it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compiler/pipeline/fusion_call.h"
#include "kiln/tensor.h"
#include "runtime/cuda_device.h"

namespace kiln::detail {

/// A compiled function's PTX, loaded on its device at the first call and unloaded with
/// the function (shared by the plan's fusion steps).
struct GpuModule {
  std::shared_ptr<const std::string> ptx;  // NUL-terminated
  std::mutex mutex;
  std::unique_ptr<runtime::CudaModule> loaded;
  runtime::CudaModule& on(runtime::CudaDevice& device);
};

struct GpuFusionCall : FusionShapes {
  std::shared_ptr<GpuModule> module;             // the function's PTX module
  std::string kernel;                            // its entry point for this fusion
  bool rows = false;                             // a row kernel: one block per row
  mutable std::atomic<void*> function{nullptr};  // the loaded kernel (one device per plan)
};

inline constexpr unsigned kGpuBlockThreads = 256;

/// The kernel's parameters for these buffers (inputs then outputs, device addresses), one
/// 64-bit value per parameter, and its launch shape.
struct GpuLaunch {
  std::vector<uint64_t> params;
  runtime::LaunchShape shape;
  bool empty = false;  // nothing to compute: no launch
};
GpuLaunch gpu_launch(const GpuFusionCall& call, const std::vector<const void*>& buffers);

/// Allocates the results on `device` and queues the kernel on its stream.
std::vector<Tensor> run_gpu_fusion(const GpuFusionCall& call, const std::vector<Tensor>& inputs,
                                   Device device);

}  // namespace kiln::detail
