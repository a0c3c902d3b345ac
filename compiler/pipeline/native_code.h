// Native code for the host CPU: a module of kernels in MLIR's LLVM dialect compiled to one
// relocatable object, and objects loaded into an ORC JIT. Compiling and loading are apart
// so that an object read back from the persistent compile cache (compile_cache.h) runs
// through exactly the path a freshly compiled one does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/pipeline/jit.h"

namespace mlir {
class ModuleOp;
}

namespace kiln::detail {

/// What the object code is built for: the target triple, the host CPU's name and the
/// features LLVM detected (a cache key must hold all three: code for one CPU may not run,
/// or may run differently, on another).
struct HostTarget {
  std::string triple;
  std::string cpu;
  std::string features;
};
const HostTarget& host_target();

/// Translates `kernels` (LLVM dialect) to LLVM IR, optimizes it for the host (kiln's kernel
/// pipeline) and emits one ELF object. Throws kiln::Error when a step fails.
std::string compile_object(mlir::ModuleOp kernels);

/// `kernels` as up to `parts` objects compiled at once on as many threads: each external
/// kernel (with its C-interface wrapper) goes to one part, the others keep its declaration
/// (the JIT links the parts); private helpers are copied into every part. One part for a
/// single kernel.
std::vector<std::string> compile_objects(mlir::ModuleOp kernels, int parts);

/// Loads `objects` into a JIT of their own and resolves the C-interface entries of `names`
/// (`_mlir_ciface_<name>`); the C library and the process's symbols resolve as they do
/// for any shared object. Throws kiln::Error if an object does not load or a name is
/// missing.
std::shared_ptr<JitKernels> load_objects(const std::vector<std::string>& objects,
                                         const std::vector<std::string>& names);

}  // namespace kiln::detail
