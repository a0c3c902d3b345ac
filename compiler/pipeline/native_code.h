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

/// Loads `object` into a JIT of its own and resolves the C-interface entries of `names`
/// (`_mlir_ciface_<name>`); the C library and the process's symbols resolve as they do
/// for any shared object. Throws kiln::Error if the object does not load or lacks a name.
std::shared_ptr<JitKernels> load_object(const std::string& object,
                                        const std::vector<std::string>& names);

}  // namespace kiln::detail
