// try_create<Op>(builder, loc, args...): builds a kiln op whose result type is inferred,
// or returns failure() after the shared rule's message went to the context's diagnostic
// handler (at `loc`). `builder.create<Op>(loc, args...)` instead aborts the process
// (MLIR's generated builders call report_fatal_error when inference fails), so use it
// only for operands that are known to be valid.
#pragma once

#include <utility>

#include "mlir/IR/Builders.h"

#include "ir/KilnOps.h"

namespace kiln::ir {

template <class OpT, class... Args>
mlir::FailureOr<OpT> try_create(mlir::OpBuilder& builder, mlir::Location loc, Args&&... args) {
  mlir::OperationState state(loc, OpT::getOperationName());
  // The builder overload that takes the result type; the type is inferred below.
  OpT::build(builder, state, mlir::Type(), std::forward<Args>(args)...);
  state.types.clear();
  llvm::SmallVector<mlir::Type, 1> types;
  if (mlir::failed(OpT::inferReturnTypes(builder.getContext(), loc, state.operands,
                                         state.attributes.getDictionary(builder.getContext()),
                                         state.getRawProperties(), state.regions, types)))
    return mlir::failure();
  state.addTypes(types);
  return mlir::cast<OpT>(builder.create(state));
}

}  // namespace kiln::ir
