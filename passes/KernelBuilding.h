// What every fusion kernel builder shares (CPU in OutlineFusions.cpp, GPU in
// OutlineGpuKernels.cpp): the kernel's memref signature and each body op's scalar code.
#pragma once

#include "ir/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "passes/FusionQueries.h"

namespace kiln::passes {

/// Booleans are i1 in the IR and one byte in memory.
mlir::Type memoryElement(mlir::Type t);

/// A value loaded from memory as the body sees it: a byte (or vector of bytes) becomes
/// i1 where `element` (the body's element type) is i1 — any nonzero byte is true.
mlir::Value fromMemory(mlir::OpBuilder& b, mlir::Location loc, mlir::Value loaded,
                       mlir::Type element);

/// A body value (scalar or vector) as memory holds it: i1 becomes a byte.
mlir::Value toMemory(mlir::OpBuilder& b, mlir::Location loc, mlir::Value v);

/// The value a reduction starts from (max: -inf, min: +inf, sum and mean: 0).
double reductionIdentity(mlir::Operation* reduction);

/// acc combined with x by `reduction`'s operation (max, min, or an add with `fastmath`).
mlir::Value combineReduction(mlir::OpBuilder& b, mlir::Location loc, mlir::Operation* reduction,
                             mlir::Value acc, mlir::Value x, mlir::arith::FastMathFlags fastmath);

/// memref of a collapsed shape; dimension 0 is dynamic where it follows the iteration
/// space's dimension 0 (the one threads split).
mlir::MemRefType kernelMemRef(const std::vector<int64_t>& shape, const std::vector<int64_t>& space,
                              mlir::Type element);

/// The kernel's arguments: one memref per input, then per result, of its collapsed shape.
llvm::SmallVector<mlir::Type> kernelArguments(ir::FusionOp fusion, const KernelLayout& layout);

/// The fusions of `module` not outlined yet (no `kernel` attribute) that `wanted` accepts,
/// each with its kernel's name: <function>_<tag><index in the function>.
llvm::SmallVector<std::pair<ir::FusionOp, std::string>> fusionsToOutline(
    mlir::ModuleOp module, llvm::StringRef tag, llvm::function_ref<bool(ir::FusionOp)> wanted);

/// A row fusion's values in the row space: full width D, or one per row (or per kernel).
struct RowValue {
  bool full = false;  // width D (else one value per row, or per kernel)
  int phase = 0;      // full: the phase that computes it; else the phase it is ready for
};

/// A row kernel walks each row in phases: phase k computes the full values that depend on
/// reductions finished before it (and reduces what the next phase needs).
struct RowPhases {
  llvm::DenseMap<mlir::Value, RowValue> info;  // every body value
  int phases = 1;
};
RowPhases rowPhases(ir::FusionOp fusion);

/// The per-row (not full-width) elementwise ops ready at phase `ready` of a row kernel,
/// emitted on the scalars in `scalar` (filled in as they are computed); `computed` sees
/// each new value (the kernel stores those that are results). False if an op has no
/// scalar lowering.
bool emitRowScalars(
    mlir::OpBuilder& b, ir::FusionOp fusion, const RowPhases& plan, int ready,
    llvm::DenseMap<mlir::Value, mlir::Value>& scalar,
    llvm::function_ref<void(mlir::Value body_value, mlir::Value computed)> computed);

/// The value of a splat kiln.constant as an arith.constant.
mlir::Value scalarConstant(mlir::OpBuilder& b, ir::ConstantOp c);

/// A body op on scalars: a splat constant's value, or the op's scalar lowering (null,
/// with an error on the op, where it has none).
mlir::Value emitScalar(mlir::OpBuilder& b, mlir::Operation& op, mlir::ValueRange args);

}  // namespace kiln::passes
