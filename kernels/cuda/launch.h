// How the CUDA launchers reach kiln's kernels: the images built by nvcc and embedded in
// the library (one per kernel family), the kernel of a given name on a device, argument
// packing for cuLaunchKernel, grid sizes, and the Indexing of broadcast/strided operands.
// Plain C++: no CUDA header, so the host side builds with the host compiler everywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kernels/cuda/kernel_args.h"
#include "kiln/tensor.h"
#include "runtime/cuda_device.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cuda {

enum class Family { elementwise, layout, reduce, fill };

/// The device a CUDA tensor lives on (initialized).
runtime::CudaDevice& device_of(const Tensor& t);

/// A small host vector as an i64 tensor on `device` (the copy is queued; the host vector
/// may go at once): indices and labels checked on the host.
Tensor upload(const std::vector<int64_t>& values, Device device);

/// Kernel `name` of `family`, loaded on `device`. Throws kiln::Error when this kiln was
/// built without the CUDA toolkit (no kernel images).
void* kernel(runtime::CudaDevice& device, Family family, const std::string& name);

/// The bytes of a family's embedded image (empty in a build without the toolkit).
std::string_view kernel_image(Family family);

/// The suffix of a kernel's name for a dtype: "f32", "f64", "i32", "i64", "b8".
const char* suffix(DType dtype);

/// Device address of a tensor's storage, typed for an argument.
template <class T = void>
T* address(const Tensor& t) {
  return static_cast<T*>(t.impl()->data());
}

/// One thread per element, a grid-stride loop past a few waves of blocks.
runtime::LaunchShape elementwise_shape(const runtime::CudaDevice& device, int64_t n);
/// One block per row (the kernels stride the rows past the grid).
runtime::LaunchShape rows_shape(int64_t rows);

/// Queues `fn(args...)` on the device's stream; args are copied into the launch.
template <class... Args>
void launch(runtime::CudaDevice& device, void* fn, const runtime::LaunchShape& shape,
            Args... args) {
  void* params[] = {static_cast<void*>(&args)...};
  device.launch(fn, shape, params);
}

/// Indexing for an elementwise op writing `out_shape` (contiguous) from operands whose
/// shapes broadcast to it (NumPy rules, already validated). Axes of extent 1 are dropped
/// and axes contiguous in every operand merged; throws when more than kMaxRank remain.
Indexing broadcast_indexing(const Shape& out_shape, const std::vector<Shape>& operands);

/// Indexing for a copy over `extent` with explicit element strides and offsets for the
/// output (operand 0) and the input (operand 1).
Indexing strided_indexing(const Shape& extent, const std::vector<int64_t>& out_strides,
                          int64_t out_offset, const std::vector<int64_t>& in_strides,
                          int64_t in_offset);

}  // namespace kiln::kernels::cuda
