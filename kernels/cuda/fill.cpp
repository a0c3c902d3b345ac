// Launchers of the factory kernels (fill.cu).
#include <cstring>
#include <string>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/launch.h"
#include "runtime/dispatch.h"

namespace kiln::kernels::cuda {

void fill(const Tensor& out, const void* value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  auto& device = device_of(out);
  void* fn = kernel(device, Family::fill, std::string("kiln_fill_") + suffix(out.dtype()));
  dispatch_dtype(out.dtype(), [&]<class T>() {
    T v;
    std::memcpy(&v, value, sizeof v);
    launch(device, fn, elementwise_shape(device, n), n, address<T>(out), v);
  });
}

void arange(const Tensor& out, double start, double step) {
  const int64_t n = out.numel();
  if (n == 0) return;
  auto& device = device_of(out);
  void* fn = kernel(device, Family::fill, std::string("kiln_arange_") + suffix(out.dtype()));
  launch(device, fn, elementwise_shape(device, n), n, address(out), start, step);
}

void eye(const Tensor& out) {
  if (out.numel() == 0) return;
  auto& device = device_of(out);
  const int64_t rows = out.shape()[0], cols = out.shape()[1];
  void* fn = kernel(device, Family::fill, std::string("kiln_eye_") + suffix(out.dtype()));
  launch(device, fn, elementwise_shape(device, rows * cols), rows, cols, address(out));
}

}  // namespace kiln::kernels::cuda
