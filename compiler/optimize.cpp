// Graph simplification before execution: canonicalize (folding through the kiln dialect's
// folders and patterns), CSE, and dead-code removal of pure ops (part of canonicalize).
#include "compiler/graph.h"
#include "kiln/error.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace kiln::detail {

void optimize(Graph& graph) {
  mlir::MLIRContext* context = graph.module->getContext();
  mlir::PassManager pm(context);
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  std::string message;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic& d) {
    message += d.str();
    return mlir::success();
  });
  if (mlir::failed(pm.run(*graph.module)))
    throw Error("[function] internal error: optimizing the graph failed: " + message);
}

}  // namespace kiln::detail
