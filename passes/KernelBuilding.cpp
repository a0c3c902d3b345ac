#include "passes/KernelBuilding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "passes/ScalarLowering.h"

namespace kiln::passes {

/// Booleans are i1 in the IR and one byte in memory.
mlir::Type memoryElement(mlir::Type t) {
  return t.isInteger(1) ? mlir::IntegerType::get(t.getContext(), 8) : t;
}

/// memref of a collapsed shape; dimension 0 is dynamic where it follows the iteration
/// space's dimension 0 (the one threads split).
mlir::MemRefType kernelMemRef(const std::vector<int64_t>& shape, const std::vector<int64_t>& space,
                              mlir::Type element) {
  llvm::SmallVector<int64_t> dims(shape.begin(), shape.end());
  if (dims[0] == space[0]) dims[0] = mlir::ShapedType::kDynamic;
  return mlir::MemRefType::get(dims, memoryElement(element));
}

/// The kernel's arguments: one memref per input, then per result, of its collapsed shape.
llvm::SmallVector<mlir::Type> kernelArguments(ir::FusionOp fusion, const KernelLayout& layout) {
  llvm::SmallVector<mlir::Type> types;
  auto element = [](mlir::Type t) { return llvm::cast<mlir::ShapedType>(t).getElementType(); };
  for (auto [v, shape] : llvm::zip(kernelInputs(fusion), layout.inputs))
    types.push_back(kernelMemRef(shape, layout.space, element(v.getType())));
  for (auto [t, shape] : llvm::zip(fusion.getResultTypes(), layout.outputs))
    types.push_back(kernelMemRef(shape, layout.space, element(t)));
  return types;
}

/// The value of a splat kiln.constant as an arith.constant.
mlir::Value scalarConstant(mlir::OpBuilder& b, ir::ConstantOp c) {
  auto attr = llvm::cast<mlir::DenseElementsAttr>(c.getValue());
  mlir::Type t = attr.getElementType();
  if (llvm::isa<mlir::FloatType>(t))
    return b.create<mlir::arith::ConstantOp>(
        c.getLoc(), b.getFloatAttr(t, attr.getSplatValue<llvm::APFloat>()));
  return b.create<mlir::arith::ConstantOp>(c.getLoc(),
                                           b.getIntegerAttr(t, attr.getSplatValue<llvm::APInt>()));
}

/// A body op on scalars: a splat constant's value, or the op's scalar lowering (null,
/// with an error on the op, where it has none).
mlir::Value emitScalar(mlir::OpBuilder& b, mlir::Operation& op, mlir::ValueRange args) {
  if (auto c = llvm::dyn_cast<ir::ConstantOp>(op);
      c && llvm::cast<mlir::DenseElementsAttr>(c.getValue()).isSplat())
    return scalarConstant(b, c);
  mlir::Value r = lowerToScalar(b, &op, args);
  if (!r) op.emitOpError("has no scalar lowering inside a fusion");
  return r;
}

RowPhases rowPhases(ir::FusionOp fusion) {
  mlir::Block& body = fusion.getBody().front();
  const std::vector<int64_t> space = rowSpace(fusion);
  const int64_t D = space.back();
  auto full = [&](mlir::Type t) { return rowShape(space, shapeOf(t))[1] == D; };
  RowPhases plan;
  for (mlir::BlockArgument a : body.getArguments()) plan.info[a] = RowValue{full(a.getType()), 0};
  for (mlir::Operation& op : body.without_terminator()) {
    int ready = 0;
    for (mlir::Value v : op.getOperands()) ready = std::max(ready, plan.info.lookup(v).phase);
    if (isReduction(&op)) {
      plan.info[op.getResult(0)] = RowValue{false, ready + 1};  // reduced in phase `ready`
      plan.phases = std::max(plan.phases, ready + 1);
    } else {
      const bool is_full = full(op.getResult(0).getType());
      plan.info[op.getResult(0)] = RowValue{is_full, ready};
      if (is_full) plan.phases = std::max(plan.phases, ready + 1);
    }
  }
  return plan;
}

llvm::SmallVector<std::pair<ir::FusionOp, std::string>> fusionsToOutline(
    mlir::ModuleOp module, llvm::StringRef tag, llvm::function_ref<bool(ir::FusionOp)> wanted) {
  llvm::SmallVector<std::pair<ir::FusionOp, std::string>> work;
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    size_t i = 0;
    func.walk([&](ir::FusionOp f) {
      if (!f.getKernel() && wanted(f))
        work.push_back({f, func.getSymName().str() + "_" + tag.str() + std::to_string(i++)});
    });
  }
  return work;
}

}  // namespace kiln::passes
