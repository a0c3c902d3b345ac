// kiln's named pipelines and the dialects they create, each listed once: the compiler's
// contexts (CPU and CUDA), the JIT, the CUDA code generator and kiln-opt use these.
#pragma once

#include <string>

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace kiln::passes {

/// The fusion pipeline, on a module: composites decomposed (kiln-decompose-composites),
/// then rows, elementwise chains and matmul epilogues fused (kiln-fuse-rows,
/// kiln-fuse-elementwise, kiln-fuse-outputs), then canonicalization, which drops the
/// constants only fusions used. kiln-opt names it "kiln-fuse".
void addFusionPipeline(mlir::OpPassManager& pm);

/// Every dialect kiln's graphs and pipelines create, and the translations to LLVM IR.
/// With `gpu`, also the GPU and NVVM dialects, their translations and the NVVM target
/// (the CUDA code generator, kiln-opt).
void registerDialects(mlir::DialectRegistry& registry, bool gpu);

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
