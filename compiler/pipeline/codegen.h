// Code generation for one concrete function (jit=true), whatever its device: the fusion
// pipeline on the graph in place, then its fused kernels compiled on the same module — by
// LLVM to native code for the CPU (compiler/pipeline/jit.h) or to PTX for a CUDA device
// (compiler/pipeline/gpu_codegen.h) — returned as a kernel set the plan binds one way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/pipeline/jit.h"
#include "compiler/pipeline/kernel_set.h"
#include "kiln/tensor.h"

namespace kiln::detail {

struct Graph;

struct CodegenResult {
  std::shared_ptr<const KernelSet> kernels;  // what the plan binds fusions through
  std::string fused;                         // the graph with kiln.fusion regions
  std::string lowered;                       // the outlined kernels (CPU), or a note (CUDA)
  std::string llvm;                          // the kernels in the LLVM dialect (CPU), or a note
  std::shared_ptr<const std::string> ptx;    // CUDA: the module (NUL-terminated driver image)
  std::vector<std::string> objects;          // CPU: the kernels' native code (ELF objects)
  std::vector<std::string> kernel_names;     // CPU: the kernels `objects` define
  double fuse_ms = 0, codegen_ms = 0;
};

/// Fuses `graph` in place and compiles its fusions for `device`. Throws kiln::Error if a
/// pass or the code generator fails.
/// On the CPU, `texts` false leaves fused/lowered/llvm empty (jit_stage_texts).
CodegenResult codegen(Graph& graph, Device device, const CodegenOptions& options,
                      bool texts = true);

}  // namespace kiln::detail
