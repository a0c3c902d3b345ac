// What the host passes to kiln's CUDA kernels by value, shared by the kernels (nvcc) and
// their launchers (the host compiler): plain structs, so both sides agree on the layout.
#pragma once

#include <cstdint>

#include "runtime/integer_math.h"  // KILN_HOST_DEVICE
#include "kernels/row_geometry.h"

namespace kiln::kernels::cuda {

inline constexpr int kMaxRank = 8;
inline constexpr int kMaxOperands = 4;  // the output and up to three inputs

/// Where element i of an n-d iteration space lives in each operand (operand 0 is the
/// output): i's coordinates in `shape` times each operand's element strides (0 along a
/// broadcast axis), plus the operand's offset. When `flat` is set every operand is either
/// contiguous in the iteration order (step 1) or one broadcast element (step 0), and
/// `step` replaces the strides: no division per element.
struct Indexing {
  int32_t rank = 0;
  int32_t flat = 1;
  int64_t shape[kMaxRank] = {};
  int64_t strides[kMaxOperands][kMaxRank] = {};
  int64_t offsets[kMaxOperands] = {};
  int64_t step[kMaxOperands] = {};
};

/// Offsets of element i in the first N operands (the kernels' indexing, also run on the
/// host by the tests).
template <int N>
KILN_HOST_DEVICE inline void element_offsets(const Indexing& ix, int64_t i, int64_t (&off)[N]) {
  if (ix.flat) {
    for (int k = 0; k < N; ++k) off[k] = ix.offsets[k] + i * ix.step[k];
    return;
  }
  for (int k = 0; k < N; ++k) off[k] = ix.offsets[k];
  for (int axis = ix.rank - 1; axis >= 0; --axis) {
    const int64_t extent = ix.shape[axis];
    const int64_t c = i % extent;
    i /= extent;
    for (int k = 0; k < N; ++k) off[k] += c * ix.strides[k][axis];
  }
}

using kernels::RowGeometry;  // kernels/row_geometry.h

}  // namespace kiln::kernels::cuda
