#include "passes/KernelBuilding.h"

#include <cmath>

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"
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

mlir::Value fromMemory(mlir::OpBuilder& b, mlir::Location loc, mlir::Value loaded,
                       mlir::Type element) {
  if (!element.isInteger(1)) return loaded;
  mlir::Type t = loaded.getType();
  mlir::TypedAttr zero = b.getIntegerAttr(mlir::getElementTypeOrSelf(t), 0);
  if (auto vector = llvm::dyn_cast<mlir::VectorType>(t))
    zero = mlir::SplatElementsAttr::get(vector, zero);
  return b.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::ne, loaded,
                                       b.create<mlir::arith::ConstantOp>(loc, zero));
}

mlir::Value toMemory(mlir::OpBuilder& b, mlir::Location loc, mlir::Value v) {
  mlir::Type t = v.getType();
  if (!mlir::getElementTypeOrSelf(t).isInteger(1)) return v;
  mlir::Type byte = b.getI8Type();
  if (auto vector = llvm::dyn_cast<mlir::VectorType>(t)) byte = vector.clone(byte);
  return b.create<mlir::arith::ExtUIOp>(loc, byte, v);
}

double reductionIdentity(mlir::Operation* reduction) {
  if (llvm::isa<ir::MaxOp>(reduction)) return -INFINITY;
  if (llvm::isa<ir::MinOp>(reduction)) return INFINITY;
  return 0.0;
}

mlir::Value combineReduction(mlir::OpBuilder& b, mlir::Location loc, mlir::Operation* reduction,
                             mlir::Value acc, mlir::Value x, mlir::arith::FastMathFlags fastmath) {
  if (llvm::isa<ir::MaxOp>(reduction)) return b.create<mlir::arith::MaximumFOp>(loc, acc, x);
  if (llvm::isa<ir::MinOp>(reduction)) return b.create<mlir::arith::MinimumFOp>(loc, acc, x);
  return b.create<mlir::arith::AddFOp>(loc, acc, x, fastmath);
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

bool emitRowScalars(mlir::OpBuilder& b, ir::FusionOp fusion, const RowPhases& plan, int ready,
                    llvm::DenseMap<mlir::Value, mlir::Value>& scalar,
                    llvm::function_ref<void(mlir::Value, mlir::Value)> computed) {
  bool ok = true;
  for (mlir::Operation& op : fusion.getBody().front().without_terminator()) {
    if (isReduction(&op)) continue;
    const RowValue& ri = plan.info.lookup(op.getResult(0));
    if (ri.full || ri.phase != ready || scalar.count(op.getResult(0))) continue;
    llvm::SmallVector<mlir::Value> args;
    for (mlir::Value v : op.getOperands()) args.push_back(scalar.lookup(v));
    mlir::Value res = emitScalar(b, op, args);
    if (!res) {
      ok = false;
      continue;
    }
    scalar[op.getResult(0)] = res;
    computed(op.getResult(0), res);
  }
  return ok;
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
