#include "compiler/trace/mlir_context.h"

#include "mlir/IR/MLIRContext.h"
#include "passes/Pipelines.h"

namespace kiln::detail {

mlir::MLIRContext* kiln_mlir_context() {
  static mlir::MLIRContext* context = [] {
    mlir::DialectRegistry registry;
    passes::registerDialects(registry, /*gpu=*/true);  // the CUDA JIT works on graphs too
    // Lives as long as the process: graphs point into it. Every dialect the compile
    // pipeline creates is loaded up front: loading one later, while another thread
    // compiles, would race.
    auto* c = new mlir::MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return context;
}

}  // namespace kiln::detail
