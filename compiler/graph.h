// The MLIR side of a traced concrete function: a module with one func.func. Included only
// by compiler/ files that work on IR.
#pragma once

#include "compiler/trace.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace kiln::detail {

struct Graph {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::ModuleOp get() const { return module.get(); }
  mlir::func::FuncOp func() const { return *get().getOps<mlir::func::FuncOp>().begin(); }
};

}  // namespace kiln::detail
