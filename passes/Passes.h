// kiln's passes (declared in Passes.td) and the kernel lowering pipeline.
#pragma once

#include <memory>
#include <string>

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln::passes {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Outlined kernels (func.func on memrefs: scf loops, vector and scalar code) down to the
/// LLVM dialect: control flow, C library calls for the math ops left, LLVM. Runs on a module
/// of kernels.
void addKernelLoweringPasses(mlir::OpPassManager& pm);

/// The CUDA architecture kernels are compiled for, and libdevice (the math ops kernels
/// leave to the library); an empty path links none.
struct GpuTarget {
  std::string chip = "sm_90";
  std::string libdevice;
};

/// libdevice.10.bc of the CUDA toolkit ($CUDA_HOME, $CUDA_PATH, /usr/local/cuda), or "".
std::string findLibdevice();

/// The module's gpu.module (kiln-outline-gpu-kernels) to a gpu.binary holding PTX.
void addGpuKernelLoweringPasses(mlir::OpPassManager& pm, const GpuTarget& target);

/// Registers the pipeline "kiln-lower-gpu-kernels" (sm_90, the toolkit's libdevice).
void registerGpuPipeline();

/// Registers the passes and the pipelines "kiln-fuse", "kiln-lower-kernels" and
/// "kiln-lower-gpu-kernels" (for kiln-opt).
void registerPasses();

}  // namespace kiln::passes
