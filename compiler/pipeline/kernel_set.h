// The fused kernels of one concrete function, whatever the device they were compiled for
// (the CPU JIT's native code, CUDA's PTX): what code generation returns
// (compiler/pipeline/codegen.h) and what the plan binds each kiln.fusion through, one way.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/KilnOps.h"
#include "runtime/executable.h"

namespace kiln::detail {

class JitKernels;

/// What the plan knows about a fusion's operands when it binds it.
struct FusionSlots {
  std::vector<int> in, out;    // the slots of its inputs and results
  std::string where;           // the user's line, for errors
  std::vector<bool> last_use;  // per input: its last use is this fusion (its buffer may be reused)
  // A fusion with dynamic dimensions: its body's ops as plain steps, run instead of the
  // kernel where the sizes met at run time are ones the kernel was not built for (a
  // dynamic dimension that broadcasts), or where the device has no kernel for it.
  std::shared_ptr<const runtime::Program> unfused;
  // An output fusion whose product operand is a transpose the plan does not materialize:
  // in[0] / in[1] are then the transposes' inputs, read transposed (CPU only).
  bool transpose_lhs = false, transpose_rhs = false;
};

class KernelSet {
 public:
  virtual ~KernelSet() = default;
  /// The step that runs `fusion`'s compiled kernel (the fusion names it: `kernel`).
  virtual std::function<void(runtime::Frame&)> bind(ir::FusionOp fusion,
                                                    const FusionSlots& slots) const = 0;
};

/// The CPU JIT's kernels (null `kernels`: a graph without fusions).
std::shared_ptr<const KernelSet> cpu_kernel_set(std::shared_ptr<JitKernels> kernels);
/// A CUDA function's kernels: `ptx`, loaded by the driver on first use per device.
std::shared_ptr<const KernelSet> cuda_kernel_set(std::shared_ptr<const std::string> ptx);

struct FusionShapes;
/// A fused kernel's collapsed layout and results (passes::kernelLayout + the result types).
void describe_fusion(ir::FusionOp fusion, FusionShapes& shapes);

}  // namespace kiln::detail
