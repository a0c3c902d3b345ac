// What the outlining pass and the execution plan both need to know of a kiln.fusion,
// answered in one place so the kernel's signature and the runtime's call cannot disagree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/KilnOps.h"
#include "passes/FusionLayout.h"

namespace kiln::passes {

/// sum, mean, max or min: the reductions a row fusion computes.
bool isReduction(mlir::Operation* op);

/// What one element of `op` costs in simple arithmetic operations: a transcendental
/// function (a polynomial, a division) ~16, anything else 1. The plan sizes parallel
/// chunks by it; outlining picks the vector width by it.
int64_t opCost(mlir::Operation* op);

/// The cost of a fusion body per element: all its ops (`total`), and its longest chain of
/// dependent ops (`critical_path`): how latency-bound one element's computation is.
struct BodyCost {
  int64_t total = 0;
  int64_t critical_path = 0;
};
BodyCost bodyCost(ir::FusionOp fusion);

/// A tensor type's static shape.
std::vector<int64_t> shapeOf(mlir::Type type);

/// A row fusion's row space S = (..., D): the shape of the values its reductions reduce
/// (empty for a loop fusion).
std::vector<int64_t> rowSpace(ir::FusionOp fusion);

/// The body values the outlined kernel reads as its inputs, in order: the body's
/// arguments, except in an "output" fusion: the matmul's result, then the arguments
/// after the matmul's two operands.
llvm::SmallVector<mlir::Value> kernelInputs(ir::FusionOp fusion);

/// A 2-D f32/f64 tensor of static shape: an operand BLAS multiplies as it is (or
/// transposed), what output fusions and the plan's transposed products take.
bool gemmOperand(mlir::Value v);

/// Whether a fusion's results have a dynamic dimension (it is then sized at each call, and
/// has no CUDA kernel yet).
bool hasDynamicShape(ir::FusionOp fusion);

/// An "output" fusion's matmul (of inputs 0 and 1); null for other kinds.
mlir::Operation* outputProduct(ir::FusionOp fusion);

/// An output fusion whose epilogue is `product + bias` with a bias of one value per column
/// ((N) or (1, N), the product's dtype), optionally followed by relu: what a GEMM computes
/// in the same call with a bias epilogue (cuBLASLt's BIAS / RELU_BIAS).
struct BiasEpilogue {
  size_t input;  // the bias' index among the fusion's inputs
  bool relu;
};
std::optional<BiasEpilogue> biasEpilogue(ir::FusionOp fusion);

/// The collapsed iteration space and each input's and result's collapsed shape (in a row
/// fusion: (P or 1, D or 1), see rowShape). Dimension 0 is what threads split.
struct KernelLayout {
  std::vector<int64_t> space;
  std::vector<std::vector<int64_t>> inputs;
  std::vector<std::vector<int64_t>> outputs;
};
KernelLayout kernelLayout(ir::FusionOp fusion);

}  // namespace kiln::passes
