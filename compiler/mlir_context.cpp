#include "compiler/mlir_context.h"

#include "ir/KilnDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

namespace kiln::detail {

mlir::MLIRContext* kiln_mlir_context() {
  static mlir::MLIRContext* context = [] {
    auto* c = new mlir::MLIRContext();  // lives as long as the process: graphs point into it
    c->loadDialect<ir::KilnDialect, mlir::func::FuncDialect>();
    return c;
  }();
  return context;
}

}  // namespace kiln::detail
