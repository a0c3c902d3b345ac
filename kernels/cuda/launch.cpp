#include "kernels/cuda/launch.h"

#include <algorithm>

#include "kernels/layout.h"
#include "kiln/error.h"

// The embedded kernel images (cmake/KilnEmbed.cmake), or null symbols in a build without
// the CUDA toolkit (kernels/cuda/no_images.cpp).
extern "C" {
extern const unsigned char kiln_cuda_elementwise_image[];
extern const unsigned char kiln_cuda_layout_image[];
extern const unsigned char kiln_cuda_reduce_image[];
extern const unsigned char kiln_cuda_fill_image[];
extern const size_t kiln_cuda_elementwise_image_size, kiln_cuda_layout_image_size,
    kiln_cuda_reduce_image_size, kiln_cuda_fill_image_size;
}

namespace kiln::kernels::cuda {

runtime::CudaDevice& device_of(const Tensor& t) { return runtime::CudaDevice::get(t.device()); }

Tensor upload(const std::vector<int64_t>& values, Device device) {
  return detail::to_device(Tensor::from(std::span<const int64_t>(values.data(), values.size()),
                                        {static_cast<int64_t>(values.size())}),
                           device);
}

std::string_view kernel_image(Family family) {
  auto view = [](const unsigned char* bytes, size_t size) {
    return std::string_view(reinterpret_cast<const char*>(bytes), size);
  };
  switch (family) {
    case Family::elementwise:
      return view(kiln_cuda_elementwise_image, kiln_cuda_elementwise_image_size);
    case Family::layout:
      return view(kiln_cuda_layout_image, kiln_cuda_layout_image_size);
    case Family::reduce:
      return view(kiln_cuda_reduce_image, kiln_cuda_reduce_image_size);
    case Family::fill:
      return view(kiln_cuda_fill_image, kiln_cuda_fill_image_size);
  }
  return {};
}

void* kernel(runtime::CudaDevice& device, Family family, const std::string& name) {
  const std::string_view image = kernel_image(family);
  if (image.empty())
    throw Error(
        "[cuda] this kiln was built without the CUDA toolkit, so it has no CUDA kernels "
        "(rebuild where nvcc is found)");
  return device.function(image.data(), name.c_str());
}

const char* suffix(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "f32";
    case DType::f64:
      return "f64";
    case DType::i32:
      return "i32";
    case DType::i64:
      return "i64";
    case DType::boolean:
      return "b8";
  }
  throw Error("[cuda] unknown dtype");
}

runtime::LaunchShape elementwise_shape(const runtime::CudaDevice& device, int64_t n) {
  constexpr int64_t kThreads = 256;
  // Enough blocks to fill every multiprocessor several times; beyond that the kernels'
  // grid-stride loops take over (fewer blocks to schedule, same bandwidth).
  const int64_t waves = std::max(device.multiprocessors(), 1) * int64_t{16};
  const int64_t blocks = std::clamp<int64_t>((n + kThreads - 1) / kThreads, 1, waves);
  runtime::LaunchShape s;
  s.grid_x = static_cast<unsigned>(blocks);
  s.block_x = kThreads;
  return s;
}

runtime::LaunchShape rows_shape(int64_t rows) {
  runtime::LaunchShape s;
  s.grid_x = static_cast<unsigned>(std::clamp<int64_t>(rows, 1, 65535));
  s.block_x = 256;
  return s;
}

namespace {

/// Drops extent-1 axes and merges axes that are contiguous in every operand, then packs.
Indexing pack(Shape extent, std::vector<std::vector<int64_t>> strides,
              std::vector<int64_t> offsets) {
  const size_t operands = strides.size();
  Shape merged_extent;
  std::vector<std::vector<int64_t>> merged(operands);
  for (size_t axis = 0; axis < extent.size(); ++axis) {
    if (extent[axis] == 1) continue;
    bool merge = !merged_extent.empty();
    for (size_t k = 0; k < operands && merge; ++k)
      merge = merged[k].back() == strides[k][axis] * extent[axis];
    if (merge) {
      merged_extent.back() *= extent[axis];
      for (size_t k = 0; k < operands; ++k) merged[k].back() = strides[k][axis];
    } else {
      merged_extent.push_back(extent[axis]);
      for (size_t k = 0; k < operands; ++k) merged[k].push_back(strides[k][axis]);
    }
  }
  if (merged_extent.size() > static_cast<size_t>(kMaxRank))
    throw Error(
        "[cuda] an elementwise operand layout needs " + std::to_string(merged_extent.size()) +
        " dimensions after merging; the CUDA kernels take at most " + std::to_string(kMaxRank));
  Indexing ix;
  ix.rank = static_cast<int32_t>(merged_extent.size());
  // Flat when every operand walks the (single) merged axis with step 1 or stays put.
  ix.flat = merged_extent.size() <= 1;
  for (size_t k = 0; k < operands; ++k) {
    ix.offsets[k] = offsets[k];
    if (!merged_extent.empty()) {
      ix.step[k] = merged[k][0];
      ix.flat = ix.flat && (merged[k][0] == 0 || merged[k][0] == 1);
    }
  }
  for (size_t axis = 0; axis < merged_extent.size(); ++axis) {
    ix.shape[axis] = merged_extent[axis];
    for (size_t k = 0; k < operands; ++k) ix.strides[k][axis] = merged[k][axis];
  }
  return ix;
}

}  // namespace

Indexing broadcast_indexing(const Shape& out_shape, const std::vector<Shape>& operands) {
  std::vector<std::vector<int64_t>> strides{contiguous_strides(out_shape)};
  for (const Shape& s : operands) {
    auto own = contiguous_strides(s);
    std::vector<int64_t> st(out_shape.size(), 0);
    for (size_t i = 0; i < s.size(); ++i) {
      size_t o = i + (out_shape.size() - s.size());
      st[o] = s[i] == 1 ? 0 : own[i];
    }
    strides.push_back(std::move(st));
  }
  return pack(out_shape, std::move(strides), std::vector<int64_t>(operands.size() + 1, 0));
}

Indexing strided_indexing(const Shape& extent, const std::vector<int64_t>& out_strides,
                          int64_t out_offset, const std::vector<int64_t>& in_strides,
                          int64_t in_offset) {
  return pack(extent, {out_strides, in_strides}, {out_offset, in_offset});
}

}  // namespace kiln::kernels::cuda
