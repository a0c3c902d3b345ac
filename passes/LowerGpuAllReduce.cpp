// kiln-lower-gpu-all-reduce: gpu.all_reduce (the row kernels' block reductions) expanded
// into warp shuffles, a workgroup buffer and barriers, by MLIR's own rewrite.
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_LOWERGPUALLREDUCE
#include "passes/Passes.h.inc"

namespace {

struct LowerGpuAllReduce : impl::LowerGpuAllReduceBase<LowerGpuAllReduce> {
  void runOnOperation() override {
    mlir::RewritePatternSet patterns(&getContext());
    mlir::populateGpuAllReducePatterns(patterns);
    if (mlir::failed(mlir::applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

}  // namespace

}  // namespace kiln::passes
