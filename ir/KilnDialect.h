// The `kiln` MLIR dialect (kiln::ir::KilnDialect). Ops are in ir/KilnOps.h.
// MLIR headers stay inside ir/, passes/, compiler/ and tools/: never include this from
// include/kiln/, runtime/ or kernels/.
#pragma once

#include "mlir/IR/Dialect.h"

#include "ir/KilnDialect.h.inc"
