// kiln's pipelines, each listed once, and their registration for kiln-opt.
#include "passes/Pipelines.h"

#include <cstdlib>
#include <filesystem>

#include "ir/KilnDialect.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

void addFusionPipeline(mlir::OpPassManager& pm) {
  pm.addNestedPass<mlir::func::FuncOp>(createDecomposeComposites());
  pm.addNestedPass<mlir::func::FuncOp>(createFuseRows());
  pm.addNestedPass<mlir::func::FuncOp>(createFuseElementwise());
  pm.addNestedPass<mlir::func::FuncOp>(createFuseOutputs());
  pm.addPass(mlir::createCanonicalizerPass());
}

void registerDialects(mlir::DialectRegistry& registry, bool gpu) {
  registry
      .insert<ir::KilnDialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
              mlir::math::MathDialect, mlir::memref::MemRefDialect,
              mlir::scf::SCFDialect, mlir::cf::ControlFlowDialect, mlir::affine::AffineDialect,
              mlir::vector::VectorDialect, mlir::tensor::TensorDialect, mlir::LLVM::LLVMDialect>();
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  if (!gpu) return;
  registry.insert<mlir::gpu::GPUDialect, mlir::NVVM::NVVMDialect>();
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  mlir::registerNVVMDialectTranslation(registry);
  mlir::registerGPUDialectTranslation(registry);
}

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

std::string findLibdevice() {
  std::vector<std::string> roots;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* v = std::getenv(var); v && *v) roots.push_back(v);
  roots.push_back("/usr/local/cuda");
  for (const auto& root : roots) {
    std::filesystem::path p =
        std::filesystem::path(root) / "nvvm" / "libdevice" / "libdevice.10.bc";
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  return "";
}

void addGpuKernelLoweringPasses(mlir::OpPassManager& pm, const GpuTarget& target) {
  mlir::GpuNVVMAttachTargetOptions attach;
  attach.chip = target.chip;
  attach.optLevel = 3;
  std::vector<std::string> libs;
  if (!target.libdevice.empty()) libs.push_back(target.libdevice);
  attach.linkLibs = libs;  // an ArrayRef: read while the pass is built, here
  pm.addPass(mlir::createGpuNVVMAttachTarget(attach));
  mlir::OpPassManager& gpu = pm.nest<mlir::gpu::GPUModuleOp>();
  gpu.addPass(mlir::createConvertSCFToCFPass());
  gpu.addPass(createLowerGpuAllReduce());             // splits blocks: needs the CFG form, not scf
  gpu.addPass(mlir::createConvertGpuOpsToNVVMOps());  // math with libdevice: __nv_* calls
  gpu.addPass(mlir::createConvertMathToLLVMPass());   // what it leaves: fma, fabs, copysign
  gpu.addPass(mlir::createReconcileUnrealizedCastsPass());
  mlir::GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";  // PTX text
  pm.addPass(mlir::createGpuModuleToBinaryPass(binary));
}

void registerGpuPipeline() {
  mlir::PassPipelineRegistration<>(
      "kiln-lower-gpu-kernels", "Lowers the kiln_gpu module to PTX for sm_90",
      [](mlir::OpPassManager& pm) {
        addGpuKernelLoweringPasses(pm, GpuTarget{"sm_90", findLibdevice()});
      });
}

}  // namespace kiln::passes
