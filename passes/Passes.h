// kiln's passes (declared in Passes.td) and the kernel lowering pipeline.
#pragma once

#include <memory>

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln::passes {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Outlined kernels (func.func on memrefs: loops, vector and scalar code, linalg) down to
/// the LLVM dialect: polynomial approximations of f32 math, loops, LLVM. Runs on a module of kernels.
void addKernelLoweringPasses(mlir::OpPassManager& pm);

/// Registers the passes and the pipeline "kiln-lower-kernels" (for kiln-opt).
void registerPasses();

}  // namespace kiln::passes
