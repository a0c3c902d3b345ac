// CUDA code generation for fused kernels (the GPU half of the JIT; issue 6): the loop and
// output fusions of a fused graph become PTX for one architecture, in process, without a
// GPU. The runtime will load the PTX with the CUDA driver API (cuModuleLoadData).
#pragma once

#include <string>
#include <vector>

namespace kiln::detail {

struct PtxModule {
  std::string ptx;                   // the module's PTX text (no trailing NUL)
  std::vector<std::string> kernels;  // entry points, one per fusion, in program order
};

/// Compiles the fusions of `fused_ir` (a kiln module; one with no kiln.fusion yet is
/// fused first, as the JIT does) to PTX for `chip` ("sm_90" for H100/H200). Throws
/// kiln::Error with MLIR's diagnostics on failure.
PtxModule compile_fusions_to_ptx(const std::string& fused_ir, const std::string& chip = "sm_90");

}  // namespace kiln::detail
