// kiln-opt: mlir-opt for kiln. Registers only the dialects kiln IR uses (compile time:
// see TOOLCHAIN.md) and MLIR's generic transforms (canonicalize, cse, ...).
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "ir/KilnDialect.h"

int main(int argc, char** argv) {
  mlir::registerTransformsPasses();
  mlir::DialectRegistry registry;
  registry.insert<kiln::ir::KilnDialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "kiln optimizer driver\n", registry));
}
