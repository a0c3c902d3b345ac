#include "compiler/pipeline/gpu_codegen.h"

#include <chrono>
#include <mutex>

#include "compiler/trace/graph.h"
#include "compiler/pipeline/jit.h"
#include "compiler/trace/trace.h"
#include "ir/KilnOps.h"
#include "kiln/error.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

namespace kiln::detail {
namespace {

/// A context of its own (the CPU JIT's never loads the GPU dialects), every dialect
/// and translation the pipeline touches loaded up front; one compile at a time.
mlir::MLIRContext& gpu_context() {
  static mlir::MLIRContext* context = [] {
    mlir::DialectRegistry registry;
    passes::registerDialects(registry, /*gpu=*/true);
    auto* c = new mlir::MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *context;
}

bool has_fusions(mlir::ModuleOp module) {
  bool found = false;
  module.walk([&](ir::FusionOp) { found = true; });
  return found;
}

}  // namespace

PtxModule compile_fusions_to_ptx(const std::string& fused_ir, const std::string& chip) {
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  mlir::MLIRContext& context = gpu_context();
  std::string message;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic& d) {
    message += d.str() + "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(fused_ir, &context);
  if (!module) throw Error("[gpu] cannot parse the fused graph: " + message);

  mlir::PassManager pm(&context);
  if (!has_fusions(*module)) {  // a graph not fused yet: kiln's fusion passes first
    passes::addFusionPipeline(pm);
  }
  pm.addPass(passes::createOutlineGpuKernels());
  passes::addGpuKernelLoweringPasses(pm, passes::GpuTarget{chip, passes::findLibdevice()});
  if (mlir::failed(pm.run(*module)))
    throw Error("[gpu] compiling fused kernels to PTX for " + chip + " failed: " + message);

  PtxModule result;
  module->walk([&](ir::FusionOp f) {  // one entry per fusion, "" where none was made
    result.kernels.push_back(f.getKernel() ? f.getKernel()->str() : std::string());
  });
  for (auto binary : module->getOps<mlir::gpu::BinaryOp>())
    for (mlir::Attribute object : binary.getObjects()) {
      llvm::StringRef text = llvm::cast<mlir::gpu::ObjectAttr>(object).getObject().getValue();
      while (!text.empty() && text.back() == '\0') text = text.drop_back();  // C string
      result.ptx += text.str();
    }
  return result;
}

CudaJitResult jit_compile_cuda(Graph& graph, const std::string& chip,
                               const CodegenOptions& options) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); };
  CudaJitResult result;
  auto t0 = Clock::now();
  result.fused = fuse(graph, options);
  result.fuse_ms = ms(t0);
  auto t1 = Clock::now();
  PtxModule module = compile_fusions_to_ptx(print(graph), chip);  // parseable locations
  // The PTX module was compiled from the fused graph's text: its fusions, walked in the
  // same order, are this graph's.
  size_t i = 0;
  bool missing = false;
  graph.get().walk([&](ir::FusionOp f) {
    const std::string name = i < module.kernels.size() ? module.kernels[i] : std::string();
    ++i;
    if (name.empty()) {
      missing = true;
      return;
    }
    f.setKernelAttr(mlir::FlatSymbolRefAttr::get(f.getContext(), name));
  });
  if (missing || i != module.kernels.size())
    throw Error("[function] internal error: the CUDA kernels do not match the fused graph's fusions");
  result.ptx = std::make_shared<const std::string>(std::move(module.ptx));
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
