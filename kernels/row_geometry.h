// A tensor seen as (outer, reduced, inner) around the axis or block of axes an op works
// along (reductions, softmax, argmax, gather): what the device-neutral entry points work
// out once and hand to either backend. Plain C++: nvcc reads it too.
#pragma once

#include <cstdint>

namespace kiln::kernels {

struct RowGeometry {
  int64_t outer = 1, reduced = 1, inner = 1;
};

}  // namespace kiln::kernels
