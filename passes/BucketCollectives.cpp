// kiln-bucket-collectives: adjacent all-reductions that allow it (bucket_bytes) packed into
// buckets, one collective per bucket (Passes.td).
#include <algorithm>

#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "ir/TypeConversion.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_BUCKETCOLLECTIVES
#include "passes/Passes.h.inc"

namespace {

mlir::RankedTensorType typeOf(ir::AllReduceOp op) {
  return llvm::cast<mlir::RankedTensorType>(op.getX().getType());
}

bool bucketable(ir::AllReduceOp op) {
  return op.getBucketBytes().has_value() && typeOf(op).hasStaticShape();
}

/// Whether `b` may share a bucket with `a`: the same dtype, reduction, group and bucket size.
bool sameKey(ir::AllReduceOp a, ir::AllReduceOp b) {
  return typeOf(a).getElementType() == typeOf(b).getElementType() &&
         a.getReduce() == b.getReduce() && a.getGroup() == b.getGroup() &&
         a.getGroupSize() == b.getGroupSize() && a.getBucketBytes() == b.getBucketBytes();
}

int64_t bytesOf(ir::AllReduceOp op) {
  return typeOf(op).getNumElements() *
         static_cast<int64_t>(dtype_size(ir::kiln_type(typeOf(op)).dtype));  // i1: a byte each
}

/// Replaces `run` (adjacent, bucketable, one key, none reading another's result) by its
/// buckets, placed where the run ends, in the order their operands are made.
void bucketRun(std::vector<ir::AllReduceOp> run) {
  mlir::Block* block = run.front()->getBlock();
  // Everything is placed before the op that follows the run.
  mlir::OpBuilder b(run.back()->getNextNode());
  llvm::DenseMap<mlir::Operation*, int64_t> position;
  int64_t at = 0;
  for (mlir::Operation& op : *block) position[&op] = at++;
  // When x is made: -1 for what comes from outside this block.
  auto ready = [&](ir::AllReduceOp op) -> int64_t {
    mlir::Operation* def = op.getX().getDefiningOp();
    return def && def->getBlock() == block ? position.lookup(def) : -1;
  };
  std::stable_sort(run.begin(), run.end(),
                   [&](ir::AllReduceOp x, ir::AllReduceOp y) { return ready(x) < ready(y); });
  const int64_t limit = *run.front().getBucketBytes();

  for (size_t begin = 0; begin < run.size();) {
    size_t end = begin + 1;
    int64_t bytes = bytesOf(run[begin]);
    while (end < run.size() && bytes + bytesOf(run[end]) <= limit) bytes += bytesOf(run[end++]);
    if (end - begin == 1) {  // alone: moved into its place in the bucket order
      run[begin]->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
      begin = end;
      continue;
    }
    ir::AllReduceOp first = run[begin];
    // The bucket is packed (pure ops) as soon as its last member exists, so the plan can
    // start its reduction there; the reduction itself stays where the run was.
    mlir::OpBuilder pack(b.getContext());
    if (mlir::Operation* def = run[end - 1].getX().getDefiningOp(); def && ready(run[end - 1]) >= 0)
      pack.setInsertionPointAfter(def);
    else
      pack.setInsertionPointToStart(block);
    llvm::SmallVector<mlir::Location> locs;
    llvm::SmallVector<mlir::Value> flats;
    for (size_t i = begin; i < end; ++i) {
      ir::AllReduceOp op = run[i];
      locs.push_back(op.getLoc());
      flats.push_back(pack.create<ir::ReshapeOp>(
          op.getLoc(), op.getX(), pack.getDenseI64ArrayAttr({typeOf(op).getNumElements()})));
    }
    mlir::Location loc = b.getFusedLoc(locs);
    auto packed = pack.create<ir::ConcatOp>(loc, flats, pack.getI64IntegerAttr(0));
    auto reduced = b.create<ir::AllReduceOp>(loc, packed.getResult(), first.getReduceAttr(),
                                             first.getGroupAttr(), first.getGroupSizeAttr(),
                                             first.getBucketBytesAttr());
    int64_t offset = 0;
    for (size_t i = begin; i < end; ++i) {
      ir::AllReduceOp op = run[i];
      const int64_t n = typeOf(op).getNumElements();
      auto piece =
          b.create<ir::SliceOp>(op.getLoc(), reduced.getResult(), b.getDenseI64ArrayAttr({offset}),
                                b.getDenseI64ArrayAttr({offset + n}));
      auto shaped = b.create<ir::ReshapeOp>(op.getLoc(), piece.getResult(),
                                            b.getDenseI64ArrayAttr(typeOf(op).getShape()));
      op.getResult().replaceAllUsesWith(shaped.getResult());
      op->erase();
      offset += n;
    }
    begin = end;
  }
}

void bucketBlock(mlir::Block& block) {
  std::vector<ir::AllReduceOp> run;
  auto flush = [&] {
    if (run.size() > 1) bucketRun(run);
    run.clear();
  };
  for (mlir::Operation& op : llvm::make_early_inc_range(block)) {
    auto reduce = llvm::dyn_cast<ir::AllReduceOp>(op);
    if (!reduce || !bucketable(reduce)) {
      flush();
      continue;
    }
    const bool reads_run = llvm::any_of(
        run, [&](ir::AllReduceOp member) { return reduce.getX() == member.getResult(); });
    if (!run.empty() && (!sameKey(run.front(), reduce) || reads_run)) flush();
    run.push_back(reduce);
  }
  flush();
}

struct BucketCollectives : impl::BucketCollectivesBase<BucketCollectives> {
  void runOnOperation() override {
    llvm::SmallVector<mlir::Block*> blocks;
    getOperation()->walk([&](mlir::Block* block) { blocks.push_back(block); });
    for (mlir::Block* block : blocks) bucketBlock(*block);
  }
};

}  // namespace

}  // namespace kiln::passes
