// The scalar meaning of each elementwise kiln op, as arith/math ops: what a fused loop
// body computes per element. One lowering per op, matching the eager kernel (NaN rules,
// integer wrap-around, saturating casts). Booleans are i1 here (i8 in memory).
#pragma once

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

namespace kiln::passes {

/// Whether `op` can become scalar code for its operand and result types. Ops that may
/// refuse data at run time (integer division, integer pow) cannot: their eager kernel
/// reports the error.
bool hasScalarLowering(mlir::Operation* op);

/// Emits `op` applied to one element of each operand (`args`, one per operand, already
/// of the operand's element type) and returns the result element. `args` may instead be
/// vectors of such elements, all of one lane count: the result is then the vector of
/// per-lane results (the vectorized kernels use this).
mlir::Value lowerToScalar(mlir::OpBuilder& b, mlir::Operation* op, mlir::ValueRange args);

}  // namespace kiln::passes
