// jit=true: kiln-fuse-elementwise, kiln-outline-fusions, kiln-lower-kernels, then one
// object per concrete function compiled for the host CPU (compiler/pipeline/native_code.h).
#include "compiler/pipeline/jit.h"

#include <chrono>

#include "compiler/pipeline/native_code.h"
#include "compiler/trace/graph.h"
#include "compiler/trace/mlir_context.h"
#include "ir/KilnOps.h"
#include "kiln/error.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/parallel.h"

namespace kiln::detail {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string text(mlir::Operation* op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os, mlir::OpPrintingFlags().enableDebugInfo(true, /*prettyForm=*/false));
  return s;
}

/// Runs `pm` on `module`; failures become a kiln::Error with MLIR's diagnostics. The IR is
/// verified once, after the whole pipeline, not after each pass (MLIR's default): on a
/// kernel of thousands of ops, verifying after each of the lowering's passes took a
/// noticeable part of the first call; invalid IR is still caught before code generation.
void run(mlir::PassManager& pm, mlir::ModuleOp module, const char* what) {
  std::string message;
  mlir::ScopedDiagnosticHandler handler(module.getContext(), [&](mlir::Diagnostic& d) {
    message += d.str() + "\n";
    return mlir::success();
  });
  pm.enableVerifier(false);
  if (mlir::failed(pm.run(module)) || mlir::failed(mlir::verify(module)))
    throw Error(std::string("[function] internal error: ") + what + " failed: " + message);
}

}  // namespace

std::string fuse(Graph& graph, const CodegenOptions& options, bool texts) {
  mlir::ModuleOp module = graph.get();
  if (options.fast_math)
    module->setAttr("kiln.fast_math", mlir::UnitAttr::get(module.getContext()));
  mlir::PassManager pm(module.getContext());
  passes::addFusionPipeline(pm);
  run(pm, module, "fusion");
  locate_unknown(module);
  return texts ? text(module) : std::string();
}

namespace {

/// jit_compile, with or without the stages' texts and the native code.
JitResult compile(Graph& graph, const CodegenOptions& options, bool texts, bool native) {
  JitResult result;
  mlir::ModuleOp module = graph.get();
  mlir::MLIRContext* context = module.getContext();

  auto t0 = Clock::now();
  result.fused = fuse(graph, options, texts);
  {
    mlir::PassManager pm(context);
    pm.addPass(passes::createOutlineFusions());
    run(pm, module, "outlining fused kernels");
  }
  locate_unknown(module);
  if (texts) result.lowered = text(module);

  // The kernels move to a module of their own; the graph keeps the fusions naming them.
  mlir::OpBuilder b(context);
  mlir::OwningOpRef<mlir::ModuleOp> kernels = mlir::ModuleOp::create(module.getLoc());
  b.setInsertionPointToEnd(kernels->getBody());
  mlir::func::FuncOp main = graph.func();
  std::vector<std::string> names;
  for (auto f : llvm::to_vector(module.getOps<mlir::func::FuncOp>())) {
    if (f == main) continue;
    if (!f.isDeclaration()) names.push_back(f.getSymName().str());  // else a C library function
    b.clone(*f);
    f->erase();
  }
  result.fuse_ms = ms_since(t0);
  if (kernels->getBody()->empty()) return result;

  auto t1 = Clock::now();
  {
    mlir::PassManager pm(context);
    passes::addKernelLoweringPasses(pm);
    run(pm, *kernels, "lowering fused kernels to LLVM");
  }
  locate_unknown(*kernels);
  if (texts) result.llvm = text(*kernels);
  if (!native) return result;

  result.objects = compile_objects(*kernels, runtime::num_threads());
  result.kernel_names = names;
  result.kernels = load_objects(result.objects, names);
  result.codegen_ms = ms_since(t1);
  return result;
}

}  // namespace

JitResult jit_compile(Graph& graph, const CodegenOptions& options, bool texts) {
  return compile(graph, options, texts, /*native=*/true);
}

JitResult jit_stage_texts(const std::string& optimized, const CodegenOptions& options) {
  mlir::MLIRContext* context = kiln_mlir_context();
  std::string message;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic& d) {
    message += d.str() + "\n";
    return mlir::success();
  });
  Graph graph{mlir::parseSourceString<mlir::ModuleOp>(optimized, mlir::ParserConfig(context))};
  if (!graph.module)
    throw Error("[function] internal error: the optimized graph does not parse: " + message);
  return compile(graph, options, /*texts=*/true, /*native=*/false);
}

}  // namespace kiln::detail
