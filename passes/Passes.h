// kiln's passes, declared in Passes.td, one file each (the pipelines: Pipelines.h).
#pragma once

#include <memory>

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln::passes {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

}  // namespace kiln::passes
