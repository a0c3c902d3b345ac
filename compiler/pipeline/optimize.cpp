// Graph simplification before execution: the gradients' all-reductions packed into buckets
// (kiln-bucket-collectives), canonicalize (folding through the kiln dialect's folders and
// patterns), CSE, and dead-code removal of pure ops (part of canonicalize); and the
// locations that folding erases, put back.
#include "compiler/trace/graph.h"
#include "kiln/error.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

namespace kiln::detail {

void optimize(Graph& graph) {
  mlir::MLIRContext* context = graph.module->getContext();
  mlir::PassManager pm(context);
  pm.addNestedPass<mlir::func::FuncOp>(passes::createBucketCollectives());
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
  locate_unknown(graph.get());
}

void locate_unknown(mlir::ModuleOp module) {
  // An op may only learn its location once its users have theirs: repeat until stable.
  for (bool changed = true; changed;) {
    changed = false;
    module->walk([&](mlir::Operation* op) {
      if (!llvm::isa<mlir::UnknownLoc>(op->getLoc())) return;
      llvm::SmallVector<mlir::Location> uses;
      for (mlir::Operation* user : op->getUsers())
        if (!llvm::isa<mlir::UnknownLoc>(user->getLoc()) &&
            !llvm::is_contained(uses, user->getLoc()))
          uses.push_back(user->getLoc());
      if (uses.empty())
        if (mlir::Operation* parent = op->getParentOp();
            parent && !llvm::isa<mlir::UnknownLoc>(parent->getLoc()))
          uses.push_back(parent->getLoc());
      if (uses.empty()) return;
      op->setLoc(uses.size() == 1 ? uses.front() : mlir::FusedLoc::get(op->getContext(), uses));
      changed = true;
    });
  }
}

}  // namespace kiln::detail
