// The kiln-lower-gpu-kernels pipeline: the gpu.module of kiln-outline-gpu-kernels to PTX
// for one architecture (TOOLCHAIN.md, "GPU without a GPU"), all in process: the kernels'
// functions are arith code already (runtime/math_algorithms.h, as on the CPU); the math
// ops left (f64 functions, f32 sin/cos of huge arguments) go to libdevice; NVVM, LLVM's NVPTX
// backend. The result is a gpu.binary whose object is PTX text, for the CUDA driver API.
#include <cstdlib>
#include <filesystem>

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_LOWERGPUALLREDUCE
#include "passes/Passes.h.inc"

namespace {

struct LowerGpuAllReduce : impl::LowerGpuAllReduceBase<LowerGpuAllReduce> {
  void runOnOperation() override {
    mlir::RewritePatternSet patterns(&getContext());
    mlir::populateGpuAllReducePatterns(patterns);
    if (mlir::failed(mlir::applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

}  // namespace

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
