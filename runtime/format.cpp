// Tensor::str(): NumPy-like printing, summarized with "..." for large tensors.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

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

/// NumPy's layout: elements right-aligned to one width, a row per line, blank lines
/// between blocks of higher rank, "..." for the middle of long axes when summarizing.
template <class T>
class Formatter {
 public:
  Formatter(const T* data, const Shape& shape, bool summarize, size_t indent)
      : data_(data), shape_(shape), summarize_(summarize), indent_(indent) {
    strides_.resize(shape.size());
    int64_t s = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      strides_[i] = s;
      s *= shape[i];
    }
    visit(0, 0, [&](int64_t at) { width_ = std::max(width_, format_element(data_[at]).size()); });
  }

  void write(std::string& out) const { write(out, 0, 0); }

 private:
  /// The indices of axis `dim` printed (-1: the "..." in their middle).
  std::vector<int64_t> printed(size_t dim) const {
    const int64_t n = shape_[dim];
    std::vector<int64_t> idx;
    for (int64_t i = 0; i < n; ++i) {
      if (summarize_ && n > 2 * kEdgeItems && i == kEdgeItems) {
        idx.push_back(-1);
        i = n - kEdgeItems - 1;
        continue;
      }
      idx.push_back(i);
    }
    return idx;
  }

  template <class F>
  void visit(size_t dim, int64_t offset, const F& f) const {
    if (dim == shape_.size()) return f(offset);
    for (int64_t i : printed(dim))
      if (i >= 0) visit(dim + 1, offset + i * strides_[dim], f);
  }

  void write(std::string& out, size_t dim, int64_t offset) const {
    if (dim == shape_.size()) {
      std::string e = format_element(data_[offset]);
      out.append(width_ - e.size(), ' ');
      out += e;
      return;
    }
    const size_t rank = shape_.size();
    // Between the entries of axis dim: a space in a row, else line breaks (one more per
    // level above the rows) and the indent of the next bracket.
    const std::string between =
        dim + 1 == rank ? std::string(" ")
                        : std::string(rank - dim - 1, '\n') + std::string(indent_ + dim + 1, ' ');
    out += '[';
    const std::vector<int64_t> idx = printed(dim);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (k > 0) out += between;
      if (idx[k] < 0)
        out += "...";
      else
        write(out, dim + 1, offset + idx[k] * strides_[dim]);
    }
    out += ']';
  }

  const T* data_;
  const Shape& shape_;
  bool summarize_;
  size_t indent_;
  std::vector<int64_t> strides_;
  size_t width_ = 0;
};

}  // namespace

std::string Tensor::str() const {
  if (!impl_) return "kiln.Tensor(undefined)";
  const auto& impl = *impl_;
  if (impl.symbolic())  // what std::cout shows inside a traced lambda, as tf.function does
    return "kiln.Tensor(symbolic, shape=" + shape_str(impl.shape) +
           ", dtype=" + std::string(dtype_name(impl.dtype)) + ")";
  std::string out = "kiln.Tensor(";
  const Tensor host = detail::to_host(*this);  // waits for a device's result
  dispatch_dtype(impl.dtype, [&]<class T>() {
    Formatter<T>(static_cast<const T*>(host.impl()->data()), impl.shape,
                 impl.numel > kSummarizeAbove, out.size())
        .write(out);
  });
  out += ", shape=" + shape_str(impl.shape) + ", dtype=" + std::string(dtype_name(impl.dtype));
  if (impl.device.kind != Device::cpu) out += ", device=" + to_string(impl.device);
  return out + ")";
}

}  // namespace kiln
