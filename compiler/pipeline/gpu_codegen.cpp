#include "compiler/pipeline/gpu_codegen.h"

#include <chrono>
#include <mutex>

#include "compiler/pipeline/jit.h"
#include "compiler/trace/graph.h"
#include "compiler/trace/mlir_context.h"
#include "compiler/trace/trace.h"
#include "ir/KilnOps.h"
#include "kiln/error.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "passes/FusionQueries.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

namespace kiln::detail {
namespace {

bool has_fusions(mlir::ModuleOp module) {
  bool found = false;
  module.walk([&](ir::FusionOp) { found = true; });
  return found;
}

/// Compiles the fusions of `module` (fused already) to PTX for `chip`, in place: each
/// kiln.fusion names its kernel (`kernel`), and the PTX is taken out of the module (the
/// gpu.binary the lowering made is erased), as the CPU JIT moves its kernels out.
std::string lower_fusions_to_ptx(mlir::ModuleOp module, const std::string& chip) {
  // The NVPTX backend and libdevice linking: one compile at a time.
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  std::string message;
  mlir::ScopedDiagnosticHandler handler(module.getContext(), [&](mlir::Diagnostic& d) {
    message += d.str() + "\n";
    return mlir::success();
  });
  mlir::PassManager pm(module.getContext());
  pm.addPass(passes::createOutlineGpuKernels());
  passes::addGpuKernelLoweringPasses(pm, passes::GpuTarget{chip, passes::findLibdevice()});
  if (mlir::failed(pm.run(module)))
    throw Error("[gpu] compiling fused kernels to PTX for " + chip + " failed: " + message);
  std::string ptx;
  for (auto binary : llvm::to_vector(module.getOps<mlir::gpu::BinaryOp>())) {
    for (mlir::Attribute object : binary.getObjects()) {
      llvm::StringRef text = llvm::cast<mlir::gpu::ObjectAttr>(object).getObject().getValue();
      while (!text.empty() && text.back() == '\0') text = text.drop_back();  // C string
      ptx += text.str();
    }
    binary->erase();
  }
  return ptx;
}

}  // namespace

PtxModule compile_fusions_to_ptx(const std::string& fused_ir, const std::string& chip) {
  mlir::MLIRContext* context = kiln_mlir_context();
  std::string message;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic& d) {
      message += d.str() + "\n";
      return mlir::success();
    });
    module = mlir::parseSourceString<mlir::ModuleOp>(fused_ir, context);
  }
  if (!module) throw Error("[gpu] cannot parse the fused graph: " + message);
  if (!has_fusions(*module)) {  // a graph not fused yet: kiln's fusion passes first
    mlir::PassManager pm(context);
    passes::addFusionPipeline(pm);
    if (mlir::failed(pm.run(*module))) throw Error("[gpu] fusing the graph failed");
  }
  PtxModule result;
  result.ptx = lower_fusions_to_ptx(*module, chip);
  module->walk([&](ir::FusionOp f) {  // one entry per fusion, "" where none was made
    result.kernels.push_back(f.getKernel() ? f.getKernel()->str() : std::string());
  });
  return result;
}

CudaJitResult jit_compile_cuda(Graph& graph, const std::string& chip,
                               const CodegenOptions& options) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  CudaJitResult result;
  auto t0 = Clock::now();
  result.fused = fuse(graph, options);
  result.fuse_ms = ms(t0);
  auto t1 = Clock::now();
  // The graph's own module, in place: its fusions get their kernels' names directly.
  std::string ptx = lower_fusions_to_ptx(graph.get(), chip);
  // Every fusion has its kernel, but those with dynamic dimensions: the plan runs their
  // ops one by one (passes/OutlineGpuKernels.cpp).
  bool missing = false;
  graph.get().walk([&](ir::FusionOp f) {
    missing = missing || (!f.getKernel() && !passes::hasDynamicShape(f));
  });
  if (missing) throw Error("[function] internal error: a fusion of the graph got no CUDA kernel");
  result.ptx = std::make_shared<const std::string>(std::move(ptx));
  result.codegen_ms = ms(t1);
  return result;
}

std::string cuda_chip(int capability) {
  static const int known[] = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90};
  for (int k : known)
    if (k == capability) return "sm_" + std::to_string(k);
  return "sm_90";
}

}  // namespace kiln::detail
