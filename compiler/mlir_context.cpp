#include "compiler/mlir_context.h"

#include "ir/KilnDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

namespace kiln::detail {

mlir::MLIRContext* kiln_mlir_context() {
  static mlir::MLIRContext* context = [] {
    auto* c = new mlir::MLIRContext();  // lives as long as the process: graphs point into it
    // Every dialect the compile pipeline creates, loaded up front: loading one later,
    // while another thread compiles, would race.
    c->loadDialect<ir::KilnDialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
                   mlir::math::MathDialect, mlir::linalg::LinalgDialect,
                   mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                   mlir::cf::ControlFlowDialect, mlir::affine::AffineDialect,
                   mlir::vector::VectorDialect, mlir::LLVM::LLVMDialect>();
    mlir::registerBuiltinDialectTranslation(*c);
    mlir::registerLLVMDialectTranslation(*c);
    return c;
  }();
  return context;
}

}  // namespace kiln::detail
