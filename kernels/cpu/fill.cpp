#include "kernels/cpu/fill.h"

#include <algorithm>
#include <cstring>

#include "runtime/convert.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cpu {

void fill(const Tensor& out, const void* value) {
  dispatch_dtype(out.dtype(), [&]<class T>() {
    T v;
    std::memcpy(&v, value, sizeof(T));
    T* o = detail::mutable_data<T>(out);
    runtime::parallel_for(out.numel(), runtime::kParallelGrain,
                          [&](int64_t b, int64_t e) { std::fill(o + b, o + e, v); });
  });
}

void arange(const Tensor& out, double start, double step) {
  const int64_t n = out.numel();
  dispatch_dtype(out.dtype(), [&]<class T>() {
    T* o = detail::mutable_data<T>(out);
    for (int64_t i = 0; i < n; ++i) {
      double v = start + static_cast<double>(i) * step;
      runtime::convert_elements(&v, DType::f64, o + i, out.dtype(), 1);
    }
  });
}

void eye(const Tensor& out) {
  const int64_t n = out.shape()[0];
  dispatch_dtype(out.dtype(), [&]<class T>() {
    T* o = detail::mutable_data<T>(out);
    std::fill(o, o + n * n, T(0));
    for (int64_t i = 0; i < n; ++i) o[i * n + i] = T(1);
  });
}

}  // namespace kiln::kernels::cpu
