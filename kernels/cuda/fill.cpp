// Launcher of the fill kernel (fill.cu).
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

}  // namespace kiln::kernels::cuda
