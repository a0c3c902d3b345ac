// The CPU matrix products (kernels/gemm.h has the contract of matmul), and what only the
// CPU has: row blocks of a product (output fusions) and the BLAS thread count.
#pragma once

#include <cstdint>

#include "kiln/tensor.h"

namespace kiln::kernels::cpu {

void matmul(const Tensor& a, const Tensor& b, const Tensor& out);
/// Rows [begin, end) of out (M, N) = op(a) (M, K) @ op(b) (K, N), all 2-D f32 or f64 (the
/// rest of out is not touched): what an output fusion runs block by block. op(x) is x, or
/// with `transpose_*` x's transpose (x stored (K, M) or (N, K)): BLAS reads it in place, so
/// the plan never materializes a transpose that only feeds products.
void matmul_rows(const Tensor& a, const Tensor& b, const Tensor& out, int64_t begin, int64_t end,
                 bool transpose_a = false, bool transpose_b = false);

/// BLAS threads follow kiln's thread count (set by kiln::set_num_threads). Before OpenBLAS
/// has run a product this does nothing (nor loads it): the first product matches them.
void set_blas_threads(int threads);

}  // namespace kiln::kernels::cpu
