// The CPU matrix products (kernels/gemm.h has the contract of matmul), and what only the
// CPU has: row blocks of a product (output fusions) and the BLAS thread count.
#pragma once

#include <cstdint>

#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

void matmul(const Tensor& a, const Tensor& b, const Tensor& out);
/// Rows [begin, end) of out (M, N) = a (M, K) @ b (K, N), all 2-D f32 or f64 (the rest
/// of out is not touched): what an output fusion runs block by block.
void matmul_rows(const Tensor& a, const Tensor& b, const Tensor& out, int64_t begin, int64_t end);

/// BLAS threads follow kiln's thread count (set by kiln::set_num_threads).
void set_blas_threads(int threads);

}  // namespace kiln::kernels::cpu
