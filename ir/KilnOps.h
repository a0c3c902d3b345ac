// The ops of the `kiln` dialect (generated from ir/KilnOps.td) and the side-effect
// resource that orders kiln.print and the variable ops. See ir/README.md for builders.
#pragma once

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/KilnDialect.h"
#include "kiln/dtype.h"
#include "runtime/shape_rules.h"  // rules::ReduceKind

namespace kiln::ir {

/// The one resource kiln's side effects act on (prints, variable reads and writes):
/// sharing it keeps them in program order relative to each other.
struct KilnStateResource : mlir::SideEffects::Resource::Base<KilnStateResource> {
  llvm::StringRef getName() final { return "kiln::State"; }
};

}  // namespace kiln::ir

// Generated code: its adaptors shadow members (-Wshadow), which kiln's warnings flag.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#include "ir/KilnInterfaces.h.inc"
#define GET_OP_CLASSES
#include "ir/KilnOps.h.inc"
#pragma GCC diagnostic pop
