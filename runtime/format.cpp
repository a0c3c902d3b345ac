// Tensor::str(): NumPy-like printing, summarized with "..." for large tensors.
#include <cstdio>
#include <string>

#include "runtime/dispatch.h"
#include "runtime/tensor_impl.h"

namespace kiln {
namespace {

constexpr int64_t kSummarizeAbove = 1000;  // elements, as NumPy's threshold
constexpr int64_t kEdgeItems = 3;

template <class T>
std::string format_element(T v) {
  char buf[64];
  if constexpr (std::is_same_v<T, uint8_t>) return v ? "true" : "false";
  else if constexpr (std::is_floating_point_v<T>) std::snprintf(buf, sizeof buf, "%.6g", double(v));
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  return buf;
}

template <class T>
void format_dim(std::string& out, const T* data, const Shape& shape, size_t dim, int64_t offset,
                const std::vector<int64_t>& strides, bool summarize) {
  if (dim == shape.size()) {
    out += format_element(data[offset]);
    return;
  }
  out += '[';
  int64_t n = shape[dim];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      out += "... ";
      i = n - kEdgeItems - 1;
      continue;
    }
    format_dim(out, data, shape, dim + 1, offset + i * strides[dim], strides, summarize);
    if (i + 1 < n) out += ' ';
  }
  out += ']';
}

}  // namespace

std::string Tensor::str() const {
  if (!impl_) return "kiln.Tensor(undefined)";
  const auto& impl = *impl_;
  if (impl.symbolic())  // what std::cout shows inside a traced lambda, as tf.function does
    return "kiln.Tensor(symbolic, shape=" + shape_str(impl.shape) +
           ", dtype=" + std::string(dtype_name(impl.dtype)) + ")";
  std::string out = "kiln.Tensor(";
  std::vector<int64_t> strides(impl.shape.size());
  int64_t s = 1;
  for (size_t i = impl.shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= impl.shape[i];
  }
  const Tensor host = detail::to_host(*this);  // waits for a device's result
  dispatch_dtype(impl.dtype, [&]<class T>() {
    format_dim(out, static_cast<const T*>(host.impl()->data()), impl.shape, 0, 0, strides,
               impl.numel > kSummarizeAbove);
  });
  out += ", shape=" + shape_str(impl.shape) + ", dtype=" + std::string(dtype_name(impl.dtype));
  if (impl.device.kind != Device::cpu) out += ", device=" + to_string(impl.device);
  return out + ")";
}

}  // namespace kiln
