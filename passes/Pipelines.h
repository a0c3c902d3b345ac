// kiln's named pipelines and the dialects they create, each listed once: the compiler's
// contexts (CPU and CUDA), the JIT, the CUDA code generator and kiln-opt use these.
#pragma once

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

}  // namespace kiln::passes
