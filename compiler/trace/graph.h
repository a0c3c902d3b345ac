// The MLIR side of a traced concrete function: a module with one func.func. Included only
// by compiler/ files that work on IR.
#pragma once

#include "compiler/trace/trace.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace kiln::detail {

struct Graph {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::ModuleOp get() const { return module.get(); }
  mlir::func::FuncOp func() const { return *get().getOps<mlir::func::FuncOp>().begin(); }
};

/// Gives every op of `module` whose location is unknown (constants that folding made or
/// hoisted: MLIR erases their location) the location of the ops that use it, or of its
/// parent: every op of every stage says where it came from.
void locate_unknown(mlir::ModuleOp module);

}  // namespace kiln::detail
