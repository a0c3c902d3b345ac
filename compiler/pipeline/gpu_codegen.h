// CUDA code generation for fused kernels (the GPU half of the JIT): the loop and
// output fusions of a fused graph become PTX for one architecture, in process, without a
// GPU. The runtime will load the PTX with the CUDA driver API (cuModuleLoadData).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace kiln::detail {

struct PtxModule {
  std::string ptx;  // the module's PTX text (no trailing NUL)
  // Entry points, one per kiln.fusion of the module in walk order ("" for a fusion that
  // got none).
  std::vector<std::string> kernels;
};

/// Compiles the fusions of `fused_ir` (a kiln module; one with no kiln.fusion yet is
/// fused first, as the JIT does) to PTX for `chip` ("sm_90" for H100/H200). Throws
/// kiln::Error with MLIR's diagnostics on failure.
PtxModule compile_fusions_to_ptx(const std::string& fused_ir, const std::string& chip = "sm_90");

struct Graph;

/// The JIT for a function that runs on a CUDA device: fuses `graph` in place (as the CPU
/// JIT does) and compiles its fusions to PTX for `chip` on the same module, each fusion
/// naming its PTX entry point (`kernel`) for the execution plan.
struct CudaJitResult {
  std::string fused;                       // the fused graph's text
  std::shared_ptr<const std::string> ptx;  // the module (NUL-terminated: a driver image)
  double fuse_ms = 0, codegen_ms = 0;
};
struct CodegenOptions;
CudaJitResult jit_compile_cuda(Graph& graph, const std::string& chip,
                               const CodegenOptions& options);

/// The PTX target for a device of compute capability `capability` (major * 10 + minor):
/// its own sm_XY where LLVM 19 knows it, else sm_90, whose PTX the driver compiles for
/// newer devices.
std::string cuda_chip(int capability);

}  // namespace kiln::detail
