// kiln-fuse-rows: input fusion. A floating reduction over the last axis seeds a cluster
// of kind "rows" that the elementwise work before and after it joins, so a row kernel
// reads each row once per phase.
#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/FusionClusters.h"
#include "passes/FusionQueries.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_FUSEROWS
#include "passes/Passes.h.inc"

namespace {

using mlir::Operation;

/// A floating reduction over the last axis with keepdims: what seeds and joins a row fusion.
bool rowReduction(Operation* op) {
  if (!isReduction(op)) return false;
  mlir::Value x = op->getOperand(0);
  auto t = llvm::cast<mlir::RankedTensorType>(x.getType());
  if (!t.hasStaticShape() || t.getRank() < 1 || t.getRank() > kMaxRank ||
      !llvm::isa<mlir::FloatType>(t.getElementType()))
    return false;
  auto axes = op->getAttrOfType<mlir::DenseI64ArrayAttr>("axes").asArrayRef();
  return axes.size() == 1 && axes[0] == t.getRank() - 1 &&
         op->getAttrOfType<mlir::BoolAttr>("keepdims").getValue();
}

/// An elementwise op that fits the row space `space`: its result full or per row, every
/// operand full, per row, per column or a scalar.
bool fitsRows(Operation* op, const std::vector<int64_t>& space) {
  if (!fusible(op)) return false;
  auto result = rowShape(space, shapeOf(op->getResult(0).getType()));
  if (result.empty() || result[0] != rowShape(space, space)[0]) return false;
  for (mlir::Value v : op->getOperands())
    if (rowShape(space, shapeOf(v.getType())).empty()) return false;
  return true;
}

/// The sum or mean over rows of a normalized softmax row, e / sum(e) with e = exp(...),
/// becomes sum(e) (or mean(e)) / sum(e): the reduction then reads e, which a row kernel
/// has one phase earlier, so softmax feeding layer_norm's mean costs no pass of its own
/// (W5: 5 phases -> 4). Exact in real arithmetic and, since e >= 0 and sum(e) >= max(e),
/// alike for zeros, infinities and NaN; in floating point a reassociation, as the
/// kernels' reductions already are. A general (a * r) would not be: with a of mixed
/// signs and r infinite, sum(a * r) is NaN where sum(a) * r is not.
void factorSoftmaxSums(mlir::Block& block) {
  for (Operation& op : llvm::make_early_inc_range(block)) {
    if (!rowReduction(&op) || !llvm::isa<ir::SumOp, ir::MeanOp>(op)) continue;
    auto divide = op.getOperand(0).getDefiningOp<ir::DivideOp>();
    if (!divide) continue;
    mlir::Value e = divide.getLhs(), total = divide.getRhs();
    auto sum = total.getDefiningOp<ir::SumOp>();
    if (!e.getDefiningOp<ir::ExpOp>() || !sum || sum.getX() != e || !rowReduction(sum) ||
        total.getType() != op.getResult(0).getType())
      continue;
    mlir::OpBuilder b(&op);
    Operation* reduced = b.clone(op);
    reduced->setOperand(0, e);
    Operation* scaled = b.clone(*divide);
    scaled->setOperands({reduced->getResult(0), total});
    scaled->getResult(0).setType(op.getResult(0).getType());
    op.getResult(0).replaceAllUsesWith(scaled->getResult(0));
    op.erase();
  }
}

void fuseRowsInBlock(mlir::Block& block) {
  factorSoftmaxSums(block);
  struct RowCluster {
    Cluster c;
    std::vector<int64_t> space;
  };
  std::vector<RowCluster> clusters;
  llvm::DenseMap<Operation*, size_t> cluster_of;
  for (Operation& op : block) {
    const bool reduction = rowReduction(&op);
    std::optional<size_t> chosen;
    for (mlir::Value v : op.getOperands()) {
      Operation* def = v.getDefiningOp();
      auto it = def ? cluster_of.find(def) : cluster_of.end();
      if (it == cluster_of.end()) continue;
      RowCluster& rc = clusters[it->second];
      const bool fits =
          reduction ? shapeOf(op.getOperand(0).getType()) == rc.space : fitsRows(&op, rc.space);
      if (fits && canAppend(rc.c, &op, block)) {
        chosen = it->second;
        break;
      }
    }
    if (!chosen && reduction) {  // a new row fusion, seeded here
      chosen = clusters.size();
      clusters.push_back({});
      clusters.back().space = shapeOf(op.getOperand(0).getType());
      clusters.back().c.type = llvm::cast<mlir::RankedTensorType>(op.getOperand(0).getType());
    }
    if (!chosen) continue;
    clusters[*chosen].c.ops.push_back(&op);
    clusters[*chosen].c.members.insert(&op);
    cluster_of[&op] = *chosen;
  }
  for (RowCluster& rc : clusters) buildFusion(rc.c, "rows");
}

struct FuseRows : impl::FuseRowsBase<FuseRows> {
  void runOnOperation() override {
    for (mlir::Block* b : blocksOf(getOperation())) fuseRowsInBlock(*b);
  }
};

}  // namespace
}  // namespace kiln::passes
