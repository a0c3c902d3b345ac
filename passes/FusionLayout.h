// How a loop fusion iterates, shared by the pass that outlines its kernel and the plan
// that calls it: the iteration shape with adjacent dimensions merged where every input
// treats them alike (all of them full, or all broadcast), and each input's shape in that
// collapsed space (1 on a broadcast dimension). Tensors are contiguous, so collapsing is
// free at run time. Plain C++: no MLIR.
//
// A dynamic dimension (negative: -1, or MLIR's kDynamic) is a size known at run time: an
// input's against the shape's is taken as the full size (the plan checks that before each
// call), and a collapsed dimension with a dynamic one in it is dynamic itself.
#pragma once

#include <cstdint>
#include <vector>

namespace kiln::passes {

struct FusionLayout {
  std::vector<int64_t> shape;                // rank >= 1; dimension 0 is split over threads
  std::vector<std::vector<int64_t>> inputs;  // one per input, same rank as `shape`
};

inline FusionLayout collapseFusion(const std::vector<int64_t>& shape,
                                   const std::vector<std::vector<int64_t>>& inputs) {
  const size_t rank = shape.size();
  auto full = [&](size_t i, size_t d) {
    const auto& in = inputs[i];
    const int64_t k = static_cast<int64_t>(d) - static_cast<int64_t>(rank - in.size());
    return (k >= 0 ? in[static_cast<size_t>(k)] : 1) == shape[d];
  };
  FusionLayout layout;
  layout.inputs.resize(inputs.size());
  int64_t previous = -1;  // the last kept dimension
  for (size_t d = 0; d < rank; ++d) {
    if (shape[d] == 1) continue;  // every operand has 1 here
    bool merge = previous >= 0;
    for (size_t i = 0; merge && i < inputs.size(); ++i)
      merge = full(i, d) == full(i, static_cast<size_t>(previous));
    if (merge) {
      auto times = [](int64_t a, int64_t b) { return a < 0 ? a : b < 0 ? b : a * b; };
      layout.shape.back() = times(layout.shape.back(), shape[d]);
      for (size_t i = 0; i < inputs.size(); ++i)
        if (full(i, d)) layout.inputs[i].back() = times(layout.inputs[i].back(), shape[d]);
    } else {
      layout.shape.push_back(shape[d]);
      for (size_t i = 0; i < inputs.size(); ++i)
        layout.inputs[i].push_back(full(i, d) ? shape[d] : 1);
    }
    previous = static_cast<int64_t>(d);
  }
  if (layout.shape.empty()) {
    layout.shape = {1};
    for (auto& in : layout.inputs) in = {1};
  }
  return layout;
}

}  // namespace kiln::passes

namespace kiln::passes {

/// A row fusion's view of one operand of shape `shape` against the row space S = (..., D):
/// (P or 1, D or 1) where P is the product of S's leading dimensions; empty if the
/// operand is none of full, per row, per column or scalar.
inline std::vector<int64_t> rowShape(const std::vector<int64_t>& space,
                                     const std::vector<int64_t>& shape) {
  const size_t n = space.size();
  if (n == 0 || shape.size() > n) return {};
  int64_t P = 1;
  for (size_t i = 0; i + 1 < n; ++i) P *= space[i];
  const int64_t D = space.back();
  const int64_t last = shape.empty() ? 1 : shape.back();
  if (last != D && last != 1) return {};
  bool full = true, ones = true;
  const size_t offset = n - shape.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    const int64_t d = i >= offset ? shape[i - offset] : 1;
    full = full && d == space[i];
    ones = ones && d == 1;
  }
  if (!full && !ones) return {};
  return {full ? P : 1, last == D ? D : 1};
}

}  // namespace kiln::passes
