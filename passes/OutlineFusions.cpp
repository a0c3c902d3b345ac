// kiln-outline-fusions: each kiln.fusion "loop" becomes a kernel function on memrefs
// whose body is one linalg.generic over the collapsed iteration space (FusionLayout.h).
#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "passes/FusionLayout.h"
#include "passes/Passes.h"
#include "passes/ScalarLowering.h"

namespace kiln::passes {

#define GEN_PASS_DEF_OUTLINEFUSIONS
#include "passes/Passes.h.inc"

namespace {

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

std::vector<int64_t> shapeOf(mlir::Type t) {
  auto s = llvm::cast<mlir::ShapedType>(t).getShape();
  return {s.begin(), s.end()};
}

/// The value of a splat kiln.constant as an arith.constant.
mlir::Value scalarConstant(mlir::OpBuilder& b, ir::ConstantOp c) {
  auto attr = llvm::cast<mlir::DenseElementsAttr>(c.getValue());
  mlir::Type t = attr.getElementType();
  if (llvm::isa<mlir::FloatType>(t))
    return b.create<mlir::arith::ConstantOp>(c.getLoc(), b.getFloatAttr(t, attr.getSplatValue<llvm::APFloat>()));
  return b.create<mlir::arith::ConstantOp>(c.getLoc(), b.getIntegerAttr(t, attr.getSplatValue<llvm::APInt>()));
}

mlir::LogicalResult outline(ir::FusionOp fusion, mlir::ModuleOp module, const std::string& name) {
  std::vector<std::vector<int64_t>> input_shapes;
  for (mlir::Value v : fusion.getInputs()) input_shapes.push_back(shapeOf(v.getType()));
  const FusionLayout layout = collapseFusion(shapeOf(fusion.getResult(0).getType()), input_shapes);
  const size_t rank = layout.shape.size();
  mlir::MLIRContext* ctx = fusion.getContext();

  llvm::SmallVector<mlir::Type> arg_types;
  llvm::SmallVector<mlir::AffineMap> maps;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    mlir::Type element = llvm::cast<mlir::ShapedType>(fusion.getInputs()[i].getType()).getElementType();
    arg_types.push_back(kernelMemRef(layout.inputs[i], layout.shape, element));
    llvm::SmallVector<mlir::AffineExpr> exprs;
    for (size_t d = 0; d < rank; ++d)
      exprs.push_back(layout.inputs[i][d] == layout.shape[d] ? mlir::getAffineDimExpr(d, ctx)
                                                             : mlir::getAffineConstantExpr(0, ctx));
    maps.push_back(mlir::AffineMap::get(rank, 0, exprs, ctx));
  }
  for (mlir::Type t : fusion.getResultTypes()) {
    arg_types.push_back(kernelMemRef(layout.shape, layout.shape, llvm::cast<mlir::ShapedType>(t).getElementType()));
    maps.push_back(mlir::AffineMap::getMultiDimIdentityMap(rank, ctx));
  }

  mlir::OpBuilder b = mlir::OpBuilder::atBlockEnd(module.getBody());
  auto kernel = b.create<mlir::func::FuncOp>(fusion.getLoc(), name, b.getFunctionType(arg_types, {}));
  kernel->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  mlir::Block* entry = kernel.addEntryBlock();
  b.setInsertionPointToStart(entry);
  const size_t num_inputs = input_shapes.size();
  llvm::SmallVector<mlir::utils::IteratorType> iterators(rank, mlir::utils::IteratorType::parallel);
  bool failed = false;
  b.create<mlir::linalg::GenericOp>(
      fusion.getLoc(), entry->getArguments().take_front(num_inputs),
      entry->getArguments().drop_front(num_inputs), maps, iterators,
      [&](mlir::OpBuilder& nb, mlir::Location loc, mlir::ValueRange elements) {
        mlir::Block& body = fusion.getBody().front();
        llvm::DenseMap<mlir::Value, mlir::Value> scalar;
        for (size_t i = 0; i < num_inputs; ++i) {
          mlir::Value e = elements[i];
          mlir::Type t = llvm::cast<mlir::ShapedType>(body.getArgument(i).getType()).getElementType();
          if (t.isInteger(1))  // a byte in memory; any nonzero byte is true
            e = nb.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::ne, e,
                                               nb.create<mlir::arith::ConstantOp>(loc, nb.getI8IntegerAttr(0)));
          scalar[body.getArgument(i)] = e;
        }
        llvm::SmallVector<mlir::Value> yielded;
        for (mlir::Operation& op : body) {
          if (auto y = llvm::dyn_cast<ir::YieldOp>(op)) {
            for (mlir::Value v : y.getValues()) {
              mlir::Value s = scalar.lookup(v);
              if (s.getType().isInteger(1)) s = nb.create<mlir::arith::ExtUIOp>(loc, nb.getI8Type(), s);
              yielded.push_back(s);
            }
            continue;
          }
          if (auto c = llvm::dyn_cast<ir::ConstantOp>(op);
              c && llvm::cast<mlir::DenseElementsAttr>(c.getValue()).isSplat()) {
            scalar[c.getResult()] = scalarConstant(nb, c);
            continue;
          }
          llvm::SmallVector<mlir::Value> args;
          for (mlir::Value v : op.getOperands()) args.push_back(scalar.lookup(v));
          mlir::Value r = lowerToScalar(nb, &op, args);
          if (!r) {
            op.emitOpError("has no scalar lowering inside a fusion");
            failed = true;
            r = args.empty() ? mlir::Value() : args[0];
          }
          scalar[op.getResult(0)] = r;
        }
        nb.create<mlir::linalg::YieldOp>(loc, yielded);
      });
  b.create<mlir::func::ReturnOp>(fusion.getLoc());
  if (failed) return mlir::failure();
  fusion.setKernelAttr(mlir::FlatSymbolRefAttr::get(kernel.getSymNameAttr()));
  return mlir::success();
}

struct OutlineFusions : impl::OutlineFusionsBase<OutlineFusions> {
  void runOnOperation() override {
    mlir::ModuleOp module = getOperation();
    llvm::SmallVector<std::pair<ir::FusionOp, std::string>> work;
    for (auto func : llvm::to_vector(module.getOps<mlir::func::FuncOp>())) {
      size_t i = 0;
      func.walk([&](ir::FusionOp f) {
        if (f.getKind() == "loop" && !f.getKernel())
          work.push_back({f, func.getSymName().str() + "_k" + std::to_string(i++)});
      });
    }
    for (auto& [f, name] : work)
      if (mlir::failed(outline(f, module, name))) return signalPassFailure();
  }
};

}  // namespace
}  // namespace kiln::passes
