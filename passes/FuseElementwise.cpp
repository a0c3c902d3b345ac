// kiln-fuse-elementwise: loop fusion. Grows clusters of elementwise ops of one result
// shape in program order and replaces each by one kiln.fusion of kind "loop". Shapes may
// have dynamic dimensions where the kernel can read the sizes at run time
// (FusionClusters.h, hasLoopKernel).
#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/FusionClusters.h"
#include "passes/FusionQueries.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/Passes.h.inc"

namespace {

using mlir::Operation;

void fuseBlock(mlir::Block& block) {
  std::vector<Cluster> clusters;
  llvm::DenseMap<Operation*, size_t> cluster_of;
  for (Operation& op : block) {
    if (!fusible(&op, /*dynamic=*/true)) continue;
    auto type = llvm::cast<mlir::RankedTensorType>(op.getResult(0).getType());
    std::optional<size_t> chosen;
    for (mlir::Value v : op.getOperands()) {
      Operation* def = v.getDefiningOp();
      auto it = def ? cluster_of.find(def) : cluster_of.end();
      if (it == cluster_of.end()) continue;
      Cluster& c = clusters[it->second];
      if (c.type.getShape() == type.getShape() && canAppend(c, &op, block)) {
        chosen = it->second;
        break;
      }
    }
    if (!chosen) {
      chosen = clusters.size();
      clusters.emplace_back();
      clusters.back().type = type;
    }
    clusters[*chosen].ops.push_back(&op);
    clusters[*chosen].members.insert(&op);
    cluster_of[&op] = *chosen;
  }
  for (Cluster& c : clusters)
    if (hasLoopKernel(c)) buildFusion(c, "loop");
}

struct FuseElementwise : impl::FuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    for (mlir::Block* b : blocksOf(getOperation())) fuseBlock(*b);
  }
};

}  // namespace
}  // namespace kiln::passes
