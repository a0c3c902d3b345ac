// Launchers of the layout kernels (layout.cu).
#include <string>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/launch.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cuda {
namespace {

std::string sized(const char* name, DType dtype) {
  return std::string(name) + std::to_string(dtype_size(dtype));
}

}  // namespace

void copy_strided(const Tensor& in, int64_t in_offset, const std::vector<int64_t>& in_strides,
                  const Tensor& out, int64_t out_offset, const std::vector<int64_t>& out_strides,
                  const Shape& extent) {
  const int64_t n = numel_of(extent);
  if (n == 0) return;
  auto& device = device_of(out);
  Indexing ix = strided_indexing(extent, out_strides, out_offset, in_strides, in_offset);
  void* fn = kernel(device, Family::layout, sized("kiln_copy_", out.dtype()));
  launch(device, fn, elementwise_shape(device, n), ix, n, address(out), address(in));
}

void gather(const Tensor& x, const std::vector<int64_t>& indices, RowGeometry g,
            const Tensor& out) {
  const int64_t count = static_cast<int64_t>(indices.size());
  const int64_t n = g.outer * count * g.inner;
  if (n == 0) return;
  auto& device = device_of(out);
  Tensor idx = upload(indices, out.device());
  void* fn = kernel(device, Family::layout, sized("kiln_gather_", out.dtype()));
  launch(device, fn, elementwise_shape(device, n), g, count, address(out), address(x),
         address(idx));
}

void one_hot(const Tensor& indices, int64_t depth, const Tensor& out) {
  const int64_t n = indices.numel();
  if (n * depth == 0) return;
  auto& device = device_of(out);
  // Indices of any integer dtype, widened on the device (no round trip to the host).
  Tensor wide = indices;
  if (indices.dtype() != DType::i64) {
    wide = detail::empty(DType::i64, indices.shape(), indices.device());
    cast(indices, wide);
  }
  void* fn = kernel(device, Family::layout, std::string("kiln_one_hot_") + suffix(out.dtype()));
  launch(device, fn, elementwise_shape(device, n * depth), n, depth, address(out), address(wide));
}

}  // namespace kiln::kernels::cuda
