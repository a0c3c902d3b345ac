#include "passes/FusionClusters.h"

#include "ir/KilnOps.h"
#include "llvm/ADT/SetVector.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "passes/FusionLayout.h"
#include "passes/ScalarLowering.h"

namespace kiln::passes {
namespace {

using mlir::Operation;

bool staticTensor(mlir::Type t) {
  auto r = llvm::dyn_cast<mlir::RankedTensorType>(t);
  return r && r.hasStaticShape();
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

}  // namespace

bool fusible(Operation* op, bool dynamic) {
  if (!hasScalarLowering(op)) return false;
  if (llvm::cast<mlir::ShapedType>(op->getResult(0).getType()).getRank() > kMaxRank ||
      op->getNumOperands() + 1 > kMaxArguments)
    return false;
  if (!dynamic) {
    for (mlir::Type t : op->getOperandTypes())
      if (!staticTensor(t)) return false;
    return staticTensor(op->getResult(0).getType());
  }
  auto result = llvm::dyn_cast<mlir::RankedTensorType>(op->getResult(0).getType());
  if (!result) return false;
  for (mlir::Type t : op->getOperandTypes()) {
    auto operand = llvm::dyn_cast<mlir::RankedTensorType>(t);
    if (!operand || operand.getRank() > result.getRank()) return false;
    const int64_t offset = result.getRank() - operand.getRank();
    for (int64_t d = 0; d < operand.getRank(); ++d)
      if (operand.isDynamicDim(d) && !result.isDynamicDim(d + offset)) return false;
  }
  return true;
}

bool hasLoopKernel(const Cluster& c) {
  if (c.type.hasStaticShape()) return true;
  std::vector<std::vector<int64_t>> inputs;
  for (Operation* op : c.ops)
    for (mlir::Value v : op->getOperands()) {
      Operation* def = v.getDefiningOp();
      if ((def && c.members.contains(def)) || inlinableConstant(v)) continue;
      auto shape = llvm::cast<mlir::ShapedType>(v.getType()).getShape();
      inputs.emplace_back(shape.begin(), shape.end());
    }
  const FusionLayout layout = collapseFusion(
      std::vector<int64_t>(c.type.getShape().begin(), c.type.getShape().end()), inputs);
  for (size_t d = 1; d < layout.shape.size(); ++d)
    if (layout.shape[d] < 0) return false;
  return true;
}

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
  // Inputs: values from outside, in first-use order (one-element constants are cloned, also
  // in first-use order: a pointer-ordered set would make the IR differ from run to run).
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SetVector<Operation*> constants;
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

llvm::SmallVector<mlir::Block*> blocksOf(mlir::Operation* root) {
  llvm::SmallVector<mlir::Block*> blocks;
  root->walk([&](mlir::Block* b) {
    if (!llvm::isa<ir::FusionOp>(b->getParentOp())) blocks.push_back(b);
  });
  return blocks;
}

}  // namespace kiln::passes
