// Matrix products of CUDA tensors: f32/f64 through cuBLAS, integers by fill.cu's kernel.
#include <string>

#include "kernels/layout.h"
#include "kernels/cuda/cublas.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/launch.h"

namespace kiln::kernels::cuda {
namespace {

/// x (batch..., R, C) as one operand of a batched product over `batch_out`: its batch
/// stride (R*C, or 0 when it has one matrix), materializing a broadcast when its batch
/// dims are neither all nor none of the output's.
Tensor batch_operand(const Tensor& x, const Shape& batch_out, int64_t& stride) {
  const Shape& s = x.shape();
  const int64_t R = s[s.size() - 2], C = s.back();
  const Shape batch(s.begin(), s.end() - 2);
  const int64_t own = numel_of(batch);
  if (own == 1) {
    stride = 0;
    return x;
  }
  stride = R * C;
  Shape padded(batch_out.size() - batch.size(), 1);
  padded.insert(padded.end(), batch.begin(), batch.end());
  if (padded == batch_out) return x;
  Shape full = batch_out;
  full.push_back(R);
  full.push_back(C);
  Tensor out = detail::empty(x.dtype(), full, x.device());
  broadcast_into(x, out);  // kernels/layout.h: a strided copy on the device
  return out;
}

}  // namespace

void matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  const Shape& so = out.shape();
  const int64_t M = so[so.size() - 2], N = so.back(), K = a.shape().back();
  const Shape batch_out(so.begin(), so.end() - 2);
  const int64_t batch = numel_of(batch_out);
  if (out.numel() == 0) return;
  auto& device = device_of(out);
  if (K == 0) {               // a sum of nothing
    const uint64_t zero = 0;  // all-zero bits are 0 in every dtype
    fill(out, &zero);
    return;
  }
  int64_t a_stride = 0, b_stride = 0;
  Tensor A = batch_operand(a, batch_out, a_stride);
  Tensor B = batch_operand(b, batch_out, b_stride);
  switch (out.dtype()) {
    case DType::f32:
      return gemm_strided_batched<float>(device, batch, M, N, K, address<float>(A), a_stride,
                                         address<float>(B), b_stride, address<float>(out));
    case DType::f64:
      return gemm_strided_batched<double>(device, batch, M, N, K, address<double>(A), a_stride,
                                          address<double>(B), b_stride, address<double>(out));
    default: {
      void* fn = kernel(device, Family::fill, std::string("kiln_matmul_") + suffix(out.dtype()));
      launch(device, fn, elementwise_shape(device, out.numel()), batch, M, N, K, a_stride, b_stride,
             address(out), address(A), address(B));
    }
  }
}

}  // namespace kiln::kernels::cuda
