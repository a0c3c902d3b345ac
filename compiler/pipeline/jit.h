// The JIT half of compilation (jit=true): fusion, outlining of fused kernels, their
// lowering to LLVM and native code (one object for the host CPU, loaded with ORC).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace kiln::detail {

struct Graph;

/// The native kernels of one concrete function (opaque: holds the JIT they are loaded in).
class JitKernels {
 public:
  virtual ~JitKernels() = default;
  /// The C-interface entry of kernel `name` (`_mlir_ciface_<name>`), taking one memref
  /// descriptor pointer per argument.
  virtual void* address(const std::string& name) const = 0;
};

struct JitResult {
  std::shared_ptr<JitKernels> kernels;    // null when the graph has no fusion
  std::string fused;                      // the graph with kiln.fusion regions
  std::string lowered;                    // the graph and its outlined kernels (linalg on memrefs)
  std::string llvm;                       // the kernels in the LLVM dialect
  std::vector<std::string> objects;       // their native code: relocatable ELF objects
  std::vector<std::string> kernel_names;  // the kernels `objects` define
  double fuse_ms = 0;                     // fusion and outlining
  double codegen_ms = 0;                  // lowering and native code generation
};

/// What a function's options say about its kernels' code.
struct CodegenOptions {
  /// FunctionOptions::fast_math: the module is marked `kiln.fast_math` and its kernels may
  /// contract a*b+c across ops into one FMA (ACCURACY.md). Off: each op rounds on its own.
  bool fast_math = false;
};

/// Runs kiln's fusion passes on `graph` in place (kiln.fusion regions, no kernels yet);
/// returns the fused graph's text. The first half of jit_compile, and what a CUDA
/// function compiles to PTX (compiler/pipeline/gpu_codegen.h).
std::string fuse(Graph& graph, const CodegenOptions& options = {}, bool texts = true);

/// Fuses `graph` in place (each fusion gets a `kernel`) and compiles the kernels. Throws
/// kiln::Error if a pass or the code generator fails.
/// Without `texts`, the stages' texts (fused, lowered, llvm) stay empty: printing them
/// is a part of the first call worth saving (jit_stage_texts makes them on request).
JitResult jit_compile(Graph& graph, const CodegenOptions& options = {}, bool texts = true);

/// The fused, lowered and llvm texts of the function whose optimized graph is `optimized`
/// (Stage::optimized's text), by the same passes jit_compile runs (no native code): the
/// passes are deterministic, so they are the stages of the code that runs.
JitResult jit_stage_texts(const std::string& optimized, const CodegenOptions& options = {});

}  // namespace kiln::detail
