// The pipeline that lowers outlined kernels to the LLVM dialect.
#include "ir/KilnDialect.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

namespace kiln::passes {

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

void addKernelLoweringPasses(mlir::OpPassManager& pm) {
  // Kernels arrive as scf loops of vector and scalar code (kiln-outline-fusions) whose
  // f32 functions are already arith code (runtime/math_algorithms.h); what math ops remain
  // (f64 tanh/erf/sin/cos, f32 sin/cos of huge arguments, pow) become C library calls.
  pm.addPass(mlir::createConvertSCFToCFPass());
  pm.addPass(mlir::createConvertMathToLLVMPass());
  // libm calls on vectors are unrolled into vector.extract/insert: vector lowering after.
  pm.addPass(mlir::createConvertMathToLibmPass());
  pm.addPass(mlir::createConvertVectorToLLVMPass());
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
}

void registerPasses() {
  registerKilnPasses();
  registerGpuPipeline();
  mlir::PassPipelineRegistration<>("kiln-fuse", "kiln's fusion pipeline (passes/Pipelines.h)",
                                   [](mlir::OpPassManager& pm) { addFusionPipeline(pm); });
  mlir::PassPipelineRegistration<>("kiln-lower-kernels",
                                   "Lowers outlined kernels to the LLVM dialect",
                                   [](mlir::OpPassManager& pm) { addKernelLoweringPasses(pm); });
}

}  // namespace kiln::passes
