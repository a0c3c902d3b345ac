// What the fusion passes (kiln-fuse-rows, kiln-fuse-elementwise) share: clusters of ops in
// program order, the test of whether an op may join one, and the rewrite of a cluster into
// one kiln.fusion.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace kiln::passes {

// What the runtime's kernel call supports (compiler/pipeline/fusion_call.h).
constexpr size_t kMaxArguments = 16;
constexpr int64_t kMaxRank = 8;

/// A fusion in the making: ops of one block in program order, one result shape.
struct Cluster {
  llvm::SmallVector<mlir::Operation*> ops;
  llvm::SmallPtrSet<mlir::Operation*, 16> members;
  mlir::RankedTensorType type;  // of every member's result (shape only is compared)
};

/// An op a fused kernel can compute: a scalar body, static shapes, few enough operands.
/// With `dynamic`, dynamic dimensions are allowed where each operand's dynamic dimensions
/// line up with the result's (a -1 operand dimension against a static result one could
/// be either a broadcast 1 or the full size: no kernel is built for both).
bool fusible(mlir::Operation* op, bool dynamic = false);

/// Whether a loop fusion of `c` has a kernel: its collapsed layout (FusionLayout.h) is
/// dynamic, if at all, only in dimension 0, which the kernel reads from its output at
/// run time (the plan checks there that no dynamic dimension broadcasts).
bool hasLoopKernel(const Cluster& c);

/// `op` may join `c` if no op outside the cluster uses a member's result before `op`
/// (the fusion will sit where its last op is) and the kernel keeps few enough arguments.
bool canAppend(const Cluster& c, mlir::Operation* op, mlir::Block& block);

/// Replaces the cluster's ops by one kiln.fusion of `kind` ("loop", "rows") where its last
/// op is: inputs from outside in first-use order (splat constants cloned in), the
/// members' values used outside as results.
void buildFusion(Cluster& c, llvm::StringRef kind);

/// The blocks a fusion pass works on: every block but fusion bodies.
llvm::SmallVector<mlir::Block*> blocksOf(mlir::Operation* root);

}  // namespace kiln::passes
