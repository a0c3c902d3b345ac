// kiln-fuse-outputs (output fusion): a 2-D floating matmul whose only user is a loop
// fusion of its result's shape joins that fusion, which becomes kind "output": the
// runtime runs the GEMM (OpenBLAS) by blocks of rows and the fused elementwise epilogue
// on each block while it is in cache, writing in place of the GEMM's result.
#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "passes/FusionQueries.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_FUSEOUTPUTS
#include "passes/Passes.h.inc"

namespace {

/// A product the output step can run by row blocks: 2-D static f32/f64 operands.
bool blockableMatmul(ir::MatmulOp m) { return gemmOperand(m.getLhs()) && gemmOperand(m.getRhs()); }

/// The index of the input of `f` that a fusable matmul produces, if any.
std::optional<size_t> epilogueInput(ir::FusionOp f) {
  if (f.getKind() != "loop") return std::nullopt;
  for (auto [i, v] : llvm::enumerate(f.getInputs())) {
    auto m = v.getDefiningOp<ir::MatmulOp>();
    if (!m || !v.hasOneUse() || m->getBlock() != f->getBlock() || !blockableMatmul(m) ||
        shapeOf(v.getType()) != shapeOf(f.getResult(0).getType()))
      continue;
    return i;
  }
  return std::nullopt;
}

void fuse(ir::FusionOp f, size_t index) {
  auto m = f.getInputs()[index].getDefiningOp<ir::MatmulOp>();
  llvm::SmallVector<mlir::Value> inputs{m.getLhs(), m.getRhs()};
  for (auto [i, v] : llvm::enumerate(f.getInputs()))
    if (i != index) inputs.push_back(v);
  mlir::OpBuilder b(f);
  auto fused = b.create<ir::FusionOp>(mlir::FusedLoc::get(b.getContext(), {m.getLoc(), f.getLoc()}),
                                      f.getResultTypes(), inputs, b.getStringAttr("output"),
                                      mlir::FlatSymbolRefAttr());
  mlir::Block* body = new mlir::Block;
  fused.getBody().push_back(body);
  for (mlir::Value v : inputs) body->addArgument(v.getType(), v.getLoc());
  mlir::OpBuilder inner = mlir::OpBuilder::atBlockBegin(body);
  mlir::IRMapping map;
  map.map(m.getLhs(), body->getArgument(0));
  map.map(m.getRhs(), body->getArgument(1));
  mlir::Operation* product = inner.clone(*m, map);
  mlir::Block& old = f.getBody().front();
  for (size_t i = 0, next = 2; i < old.getNumArguments(); ++i)
    map.map(old.getArgument(i),
            i == index ? mlir::Value(product->getResult(0)) : body->getArgument(next++));
  for (mlir::Operation& op : old) inner.clone(op, map);
  f.replaceAllUsesWith(fused.getResults());
  f.erase();
  m.erase();
}

struct FuseOutputs : impl::FuseOutputsBase<FuseOutputs> {
  void runOnOperation() override {
    llvm::SmallVector<ir::FusionOp> fusions;
    getOperation().walk([&](ir::FusionOp f) { fusions.push_back(f); });
    for (ir::FusionOp f : fusions)
      if (auto index = epilogueInput(f)) fuse(f, *index);
  }
};

}  // namespace
}  // namespace kiln::passes
