// The process-wide MLIR context (the one global of compiler/, see STYLE.md "State is
// explicit"): types and attributes are uniqued in it, so every trace shares it. MLIR
// contexts are thread-safe for that use; each trace builds its own module.
#pragma once

namespace mlir {
class MLIRContext;
}

namespace kiln::detail {

/// The context with the dialects kiln traces and optimizes (kiln, func) loaded.
mlir::MLIRContext* kiln_mlir_context();

}  // namespace kiln::detail
