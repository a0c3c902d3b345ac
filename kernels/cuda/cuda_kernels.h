// The eager kernels for CUDA tensors: what the device-neutral entry points (kernels/*.cpp)
// call when their output lives on a CUDA device; peers of kernels/cpu, with the same
// contracts (outputs preallocated on the device with the shape the op's rule gave;
// operands on the same device; geometry, strides and checked host values from the entry
// points). Work is queued on the device's stream and the host returns at once.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cuda/kernel_args.h"
#include "kiln/tensor.h"

namespace kiln::kernels::cuda {

inline bool on_cuda(const Tensor& t) { return t.device().kind == Device::cuda; }

// elementwise (op codes: kernels/cuda/op_codes.h, the same order as UnaryOp/BinaryOp)
void unary(int op, const Tensor& x, const Tensor& out);
void binary(int op, const Tensor& a, const Tensor& b, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void cast(const Tensor& x, const Tensor& out);

// factories (zeros, ones, full on a device; arange, eye and the random ops make their
// values on the host, as their API has no device)
void fill(const Tensor& out, const void* value);

// layout: out[out_offset + c . out_strides] = in[in_offset + c . in_strides] for every
// coordinate c of `extent` (element strides).
void copy_strided(const Tensor& in, int64_t in_offset, const std::vector<int64_t>& in_strides,
                  const Tensor& out, int64_t out_offset, const std::vector<int64_t>& out_strides,
                  const Shape& extent);
/// `indices` are checked (in [0, dim)) and widened on the host.
void gather(const Tensor& x, const std::vector<int64_t>& indices, RowGeometry g, const Tensor& out);
void one_hot(const Tensor& indices, int64_t depth, const Tensor& out);

// reductions and rows (op: 0 sum, 1 mean, 2 max, 3 min, as kernels::ReduceOp)
void reduce(int op, const Tensor& x, RowGeometry g, const Tensor& out);
void arg_extreme(const Tensor& x, RowGeometry g, bool largest, const Tensor& out);
void cumsum(const Tensor& x, RowGeometry g, bool reverse, const Tensor& out);
void softmax(const Tensor& x, RowGeometry g, bool log, const Tensor& out);
void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                const Tensor& out);
/// `labels` checked on the host.
void softmax_cross_entropy(const Tensor& logits, const std::vector<int64_t>& labels,
                           const Tensor& out);

// linear algebra: f32/f64 through cuBLAS (FP32 math unless TF32 is allowed), integers here.
void matmul(const Tensor& a, const Tensor& b, const Tensor& out);

}  // namespace kiln::kernels::cuda
