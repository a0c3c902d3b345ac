// Calling a JIT-compiled fusion kernel (loop, row, or an output fusion's epilogue) from the
// execution plan (no MLIR here): memref descriptors over the tensors' contiguous storage in the
// fusion's collapsed layout, and dimension 0 of the iteration space split over the kiln threads.
#pragma once

#include <optional>
#include <vector>

#include "kiln/tensor.h"

namespace kiln::detail {

/// What a fused kernel (CPU or CUDA) was built for: the fusion's collapsed layout.
struct FusionShapes {
  std::vector<int64_t> space;                      // collapsed iteration shape
  std::vector<std::vector<int64_t>> input_shapes;  // collapsed, one per kernel input
  std::vector<DType> output_dtypes;
  std::vector<Shape> output_shapes;                  // the results' real shapes
  std::vector<std::vector<int64_t>> output_layouts;  // collapsed, one per result
};

struct FusionCall : FusionShapes {
  void* kernel = nullptr;  // _mlir_ciface_<name>: one descriptor pointer per argument
  // A loop fusion with dynamic dimensions: its inputs' and results' types as traced (-1
  // where dynamic). FusionShapes then holds negative sizes where each call supplies them
  // (only the collapsed dimension 0 is dynamic: passes/FusionClusters.h, hasLoopKernel).
  bool dynamic = false;
  std::vector<Shape> input_types;
  Shape result_type;
  int64_t grain = 0;  // elements per parallel chunk, at least
  // Per input: its value dies at this fusion (an intermediate of the plan), so its buffer
  // may become an output's when nothing else holds it (checked at run time).
  std::vector<bool> donatable;
};

/// The shapes of a dynamic fusion's call on the tensors in `slots[in[0]]`, ...: the
/// results' sizes from the inputs', and the collapsed layout with them. Nothing when an
/// input's dynamic dimension broadcasts (its size differs from another input's there,
/// e.g. 1 against 5): the kernel reads every dynamic dimension in full, so such a call
/// runs unfused.
std::optional<FusionShapes> resolve_fusion(const FusionCall& call, const std::vector<Tensor>& slots,
                                           const std::vector<int>& in);

/// At most this many kernel arguments (inputs + outputs) and this collapsed rank.
inline constexpr int kMaxFusionArgs = 16;
inline constexpr int kMaxFusionRank = 8;

/// The results, allocated or taken over from dead inputs of the same size and dtype (a
/// loop kernel reads each element before it writes it, at the same index).
std::vector<Tensor> fusion_outputs(const FusionCall& call, const std::vector<Tensor>& inputs);

/// Runs the kernel on [begin, end) of dimension 0 of the iteration space, split over the
/// kiln threads.
void run_fusion_range(const FusionCall& call, const std::vector<Tensor>& inputs,
                      const std::vector<Tensor>& outputs, int64_t begin, int64_t end);

/// Allocates the results (or writes them over dead inputs of the same size and dtype:
/// each element is read before it is written, at the same index) and runs the kernel.
std::vector<Tensor> run_fusion(const FusionCall& call, const std::vector<Tensor>& inputs);

}  // namespace kiln::detail
