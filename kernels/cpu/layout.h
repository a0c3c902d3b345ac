// The CPU layout kernels (kernels/layout.h has the contracts; strides, geometry and checked
// indices come from its entry points). They copy by element size, so one instantiation
// serves every dtype.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/row_geometry.h"
#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

/// out (contiguous) = x[base + sum(i_d * stride_d)] over out's coordinates (element strides).
void copy_strided(const Tensor& x, int64_t base, const std::vector<int64_t>& stride,
                  const Tensor& out);
/// out viewed as (outer, sum of the inputs' rows): each input, (outer, its row), written at
/// its column. `inner` is the size of the axes after the concat axis.
void concat(const std::vector<Tensor>& xs, int64_t axis, int64_t outer, int64_t inner,
            const Tensor& out);
/// out[o, i, :] = x[o, indices[i], :] with x viewed as g (indices checked, in [0, reduced)).
void gather(const Tensor& x, const std::vector<int64_t>& indices, RowGeometry g, const Tensor& out);
void one_hot(const Tensor& indices, int64_t depth, const Tensor& out);
/// out viewed as (outer, row_stride) elements: value, (outer, row), written at `column`.
void write_rows(const Tensor& value, int64_t outer, int64_t row, int64_t row_stride,
                int64_t column, const Tensor& out);

}  // namespace kiln::kernels::cpu
