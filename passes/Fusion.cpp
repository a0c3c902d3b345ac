// Fusion passes: kiln-fuse-rows (reductions over the last axis with the elementwise work
// around them, "rows") and kiln-fuse-elementwise (loop fusion, "loop"). Both grow clusters
// of ops in program order and replace each by one kiln.fusion.
#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "passes/FusionQueries.h"
#include "passes/Passes.h"
#include "passes/ScalarLowering.h"

namespace kiln::passes {

#define GEN_PASS_DEF_FUSEELEMENTWISE
#define GEN_PASS_DEF_FUSEROWS
#include "passes/Passes.h.inc"

namespace {

using mlir::Operation;

/// A fusion in the making: ops of one block in program order, one result shape.
struct Cluster {
  llvm::SmallVector<Operation*> ops;
  llvm::SmallPtrSet<Operation*, 16> members;
  mlir::RankedTensorType type;  // of every member's result (shape only is compared)
};

bool staticTensor(mlir::Type t) {
  auto r = llvm::dyn_cast<mlir::RankedTensorType>(t);
  return r && r.hasStaticShape();
}

// What the runtime's kernel call supports (compiler/fusion_call.h).
constexpr size_t kMaxArguments = 16;
constexpr int64_t kMaxRank = 8;

bool fusible(Operation* op) {
  if (!hasScalarLowering(op)) return false;
  if (llvm::cast<mlir::ShapedType>(op->getResult(0).getType()).getRank() > kMaxRank ||
      op->getNumOperands() + 1 > kMaxArguments)
    return false;
  for (mlir::Type t : op->getOperandTypes())
    if (!staticTensor(t)) return false;
  return staticTensor(op->getResult(0).getType());
}

/// A splat constant: cloned into the fusion body (one scalar) rather than read from memory.
bool inlinableConstant(mlir::Value v) {
  auto c = v.getDefiningOp<ir::ConstantOp>();
  if (!c) return false;
  auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(c.getValue());
  return dense && dense.isSplat();
}

/// The kernel's arguments if `op` joined `c`: inputs from outside and results used
/// outside (counted generously: a later op may still absorb a use).
size_t argumentsWith(const Cluster& c, Operation* op) {
  llvm::SmallPtrSet<Operation*, 16> members(c.members.begin(), c.members.end());
  members.insert(op);
  llvm::SmallPtrSet<mlir::Value, 16> inputs;
  size_t outputs = 0;
  for (Operation* m : members) {
    for (mlir::Value v : m->getOperands()) {
      Operation* def = v.getDefiningOp();
      if ((def && members.contains(def)) || inlinableConstant(v)) continue;
      inputs.insert(v);
    }
    for (Operation* u : m->getUsers())
      if (!members.contains(u)) {
        ++outputs;
        break;
      }
  }
  return inputs.size() + outputs;
}

/// `op` may join `c` if no op outside the cluster uses a member's result before `op`
/// (the fusion will sit where its last op is) and the kernel keeps few enough arguments.
bool canAppend(const Cluster& c, Operation* op, mlir::Block& block) {
  if (argumentsWith(c, op) > kMaxArguments) return false;
  for (Operation* member : c.ops)
    for (Operation* user : member->getUsers()) {
      if (user == op || c.members.contains(user)) continue;
      Operation* at = block.findAncestorOpInBlock(*user);
      if (at && at->isBeforeInBlock(op)) return false;
    }
  return true;
}

void buildFusion(Cluster& c, llvm::StringRef kind) {
  Operation* last = c.ops.back();
  mlir::OpBuilder b(last);
  // Inputs: values from outside, in first-use order (one-element constants are cloned).
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallPtrSet<Operation*, 4> constants;
  for (Operation* op : c.ops)
    for (mlir::Value v : op->getOperands()) {
      Operation* def = v.getDefiningOp();
      if (def && c.members.contains(def)) continue;
      if (inlinableConstant(v)) {
        constants.insert(def);
        continue;
      }
      if (!llvm::is_contained(inputs, v)) inputs.push_back(v);
    }
  // Results: members' values used outside.
  llvm::SmallVector<mlir::Value> escaping;
  for (Operation* op : c.ops)
    for (mlir::Value r : op->getResults())
      if (llvm::any_of(r.getUsers(), [&](Operation* u) { return !c.members.contains(u); }))
        escaping.push_back(r);

  llvm::SmallVector<mlir::Type> result_types;
  for (mlir::Value v : escaping) result_types.push_back(v.getType());
  auto fusion = b.create<ir::FusionOp>(mlir::FusedLoc::get(b.getContext(),
                                                           [&] {
                                                             llvm::SmallVector<mlir::Location> locs;
                                                             for (Operation* op : c.ops)
                                                               locs.push_back(op->getLoc());
                                                             return locs;
                                                           }()),
                                       result_types, inputs, b.getStringAttr(kind),
                                       mlir::FlatSymbolRefAttr());
  mlir::Block* body = new mlir::Block;
  fusion.getBody().push_back(body);
  mlir::IRMapping map;
  for (mlir::Value v : inputs) map.map(v, body->addArgument(v.getType(), v.getLoc()));
  mlir::OpBuilder inner = mlir::OpBuilder::atBlockBegin(body);
  for (Operation* k : constants) map.map(k->getResult(0), inner.clone(*k)->getResult(0));
  for (Operation* op : c.ops) inner.clone(*op, map);
  llvm::SmallVector<mlir::Value> yielded;
  for (mlir::Value v : escaping) yielded.push_back(map.lookup(v));
  inner.create<ir::YieldOp>(fusion.getLoc(), yielded);

  for (auto [v, r] : llvm::zip(escaping, fusion.getResults()))
    v.replaceUsesWithIf(r,
                        [&](mlir::OpOperand& use) { return !c.members.contains(use.getOwner()); });
  for (Operation* op : llvm::reverse(c.ops)) op->erase();
}

void fuseBlock(mlir::Block& block) {
  std::vector<Cluster> clusters;
  llvm::DenseMap<Operation*, size_t> cluster_of;
  for (Operation& op : block) {
    if (!fusible(&op)) continue;
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
  for (Cluster& c : clusters) buildFusion(c, "loop");
}

// ---- Row fusion ------------------------------------------------------------------------

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

/// The blocks a fusion pass works on: every block but fusion bodies.
llvm::SmallVector<mlir::Block*> blocksOf(mlir::Operation* root) {
  llvm::SmallVector<mlir::Block*> blocks;
  root->walk([&](mlir::Block* b) {
    if (!llvm::isa<ir::FusionOp>(b->getParentOp())) blocks.push_back(b);
  });
  return blocks;
}

struct FuseRows : impl::FuseRowsBase<FuseRows> {
  void runOnOperation() override {
    for (mlir::Block* b : blocksOf(getOperation())) fuseRowsInBlock(*b);
  }
};

struct FuseElementwise : impl::FuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    for (mlir::Block* b : blocksOf(getOperation())) fuseBlock(*b);
  }
};

}  // namespace
}  // namespace kiln::passes
