// Kernels that move elements without arithmetic: permutes, broadcasts, slices, concat,
// gather, one_hot, index_update, device-neutral: kernels/layout.cpp works out the strides (and checks
// gather's indices on the host) and picks kernels/cpu or kernels/cuda.
#pragma once

#include <cstdint>
#include <vector>

#include "kiln/tensor.h"

namespace kiln::kernels {

/// Row-major element strides of `shape`.
std::vector<int64_t> contiguous_strides(const Shape& shape);

/// A new contiguous tensor with x's axes permuted (the caller has validated perm).
Tensor permute(const Tensor& x, const std::vector<int64_t>& perm);
void permute_into(const Tensor& x, const std::vector<int64_t>& perm, const Tensor& out);
void broadcast_into(const Tensor& x, const Tensor& out);
/// begin holds normalized starts per axis; out has the slice's shape.
void slice_into(const Tensor& x, const std::vector<int64_t>& begin, const Tensor& out);
void concat_into(const std::vector<Tensor>& xs, int64_t axis, const Tensor& out);
/// Indices are validated here: an index outside [0, dim) throws kiln::Error (naming the
/// index) before anything is written.
void gather_into(const Tensor& x, const Tensor& indices, int64_t axis, const Tensor& out);
void one_hot_into(const Tensor& indices, int64_t depth, const Tensor& out);
/// out = x with entry `index` (a rank-0 integer tensor, checked on the host: outside
/// [0, dim) throws before anything is written) along `axis` set to `value`. `out` may be
/// x's own storage (an update in place): then only the entry is written.
void index_update_into(const Tensor& x, const Tensor& index, const Tensor& value, int64_t axis,
                       const Tensor& out);

}  // namespace kiln::kernels
