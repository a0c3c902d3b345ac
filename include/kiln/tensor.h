// kiln::Tensor: a handle to a dense, contiguous, ref-counted n-d array.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kiln/dtype.h"

namespace kiln {

namespace detail {
struct TensorImpl;  // runtime/tensor_impl.h; users never see it
}

/// A tensor's dimensions, as Tensor::shape() gives them: they read like a Shape (a
/// std::vector<int64_t>). While a kiln::function traces, a dimension that is dynamic (-1 in
/// input_signature, or made dynamic by reduce_retracing) has no size yet: reading it as a
/// host integer — `x.shape()[0]`, `back()`, iterating, converting to a Shape, comparing —
/// throws kiln::Error naming the tensor and the axis, since one size baked into the graph
/// would be a wrong number for every other. Use kiln::dim(x, axis) and kiln::shape(x)
/// (i64 tensors, traced) instead. The rank and the static dimensions stay readable.
class Dims {
 public:
  using value_type = int64_t;
  Dims(const Shape& dims, const detail::TensorImpl* tensor) : dims_(&dims), tensor_(tensor) {}

  size_t size() const { return dims_->size(); }
  bool empty() const { return dims_->empty(); }
  /// Whether dimension `axis` has a size now (always, outside a trace).
  bool is_static(size_t axis) const { return (*dims_)[axis] >= 0; }

  int64_t operator[](size_t axis) const { return checked(axis); }
  int64_t at(size_t axis) const;  // also refuses an axis past the rank
  int64_t front() const { return checked(0); }
  int64_t back() const { return checked(size() - 1); }
  /// Every dimension must have a size.
  operator const Shape&() const;  // NOLINT(google-explicit-constructor): reads as a Shape
  Shape vec() const { return static_cast<const Shape&>(*this); }

  class iterator {
   public:
    using value_type = int64_t;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Dims* dims, size_t axis) : dims_(dims), axis_(axis) {}
    int64_t operator*() const { return (*dims_)[axis_]; }
    iterator& operator++() {
      ++axis_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++axis_;
      return old;
    }
    bool operator==(const iterator& o) const { return axis_ == o.axis_; }

   private:
    const Dims* dims_ = nullptr;
    size_t axis_ = 0;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

  /// Equal rank and dimensions; a dynamic dimension compared with anything throws.
  friend bool operator==(const Dims& a, const Shape& b);
  friend bool operator==(const Dims& a, const Dims& b) { return a == static_cast<const Shape&>(b); }

  /// The dimensions as they are, -1 for dynamic ones (for printing, and for kiln's own code
  /// that handles -1).
  const Shape& unchecked() const { return *dims_; }

 private:
  int64_t checked(size_t axis) const {
    const int64_t d = (*dims_)[axis];
    if (d < 0) throw_dynamic(axis);
    return d;
  }
  [[noreturn]] void throw_dynamic(size_t axis) const;

  const Shape* dims_;
  const detail::TensorImpl* tensor_;
};

/// "(2, 3)", with "?" for a dynamic dimension.
std::string shape_str(const Dims& dims);

/// A tensor is a cheap handle: copies share the same storage (like torch.Tensor or a
/// NumPy array object). Values are immutable through the public API; ops return new
/// tensors. Storage is row-major, contiguous and 64-byte aligned.
class Tensor {
 public:
  /// An undefined tensor (what a default-constructed std::vector<Tensor> holds). Any op
  /// on it throws kiln::Error.
  Tensor() = default;

  /// Copies `data` (row-major) into a new tensor of the given shape; the element count
  /// must match the shape.
  template <class T>
  static Tensor from(std::span<const T> data, Shape shape, Device device = {}) {
    return from_raw(data.data(), static_cast<int64_t>(data.size()), dtype_of<T>(),
                    std::move(shape), device);
  }
  template <class T>
  static Tensor from(const std::vector<T>& data, Shape shape, Device device = {}) {
    if constexpr (std::is_same_v<T, bool>) {
      std::vector<uint8_t> bytes(data.begin(), data.end());
      return from_raw(bytes.data(), static_cast<int64_t>(bytes.size()), DType::boolean,
                      std::move(shape), device);
    } else {
      return from(std::span<const T>(data), std::move(shape), device);
    }
  }
  template <class T>
  static Tensor from(std::initializer_list<T> data, Shape shape, Device device = {}) {
    return from(std::span<const T>(data.begin(), data.size()), std::move(shape), device);
  }
  /// A rank-0 tensor.
  template <class T>
  static Tensor scalar(T value, Device device = {}) {
    return from(std::span<const T>(&value, 1), Shape{}, device);
  }

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const;
  /// The dimensions (see Dims: a dynamic one cannot be read as a number while tracing).
  Dims shape() const;
  int64_t rank() const;
  int64_t numel() const;
  Device device() const;

  /// Copies the elements to the host, converted to T (as static_cast would).
  template <class T>
  std::vector<T> to_vector() const {
    std::vector<T> out;
    if constexpr (std::is_same_v<T, bool>) {
      std::vector<uint8_t> bytes(static_cast<size_t>(numel()));
      copy_to_host(bytes.data(), DType::boolean, "to_vector");
      out.assign(bytes.begin(), bytes.end());
    } else {
      out.resize(static_cast<size_t>(numel()));
      copy_to_host(out.data(), dtype_of<T>(), "to_vector");
    }
    return out;
  }
  /// The value of a one-element tensor, converted to T.
  template <class T>
  T item() const {
    if constexpr (std::is_same_v<T, bool>) {
      uint8_t byte = 0;
      copy_item(&byte, DType::boolean);
      return byte != 0;
    } else {
      T value{};
      copy_item(&value, dtype_of<T>());
      return value;
    }
  }

  Tensor to(Device device) const;
  Tensor astype(DType dtype) const;

  /// "kiln.Tensor([[1 10] [1 31]], shape=(2, 2), dtype=f32)"; long tensors are
  /// summarized with "..." like NumPy.
  std::string str() const;

  /// Raw access to the contiguous host storage (for kernels, interop and tests).
  const void* data() const;
  template <class T>
  const T* data_as() const {
    return static_cast<const T*>(data());
  }

  // Internal: layers below the public API build tensors from implementations.
  explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}
  const std::shared_ptr<detail::TensorImpl>& impl() const { return impl_; }

 private:
  static Tensor from_raw(const void* data, int64_t count, DType dtype, Shape shape,
                         Device device);
  void copy_to_host(void* dst, DType as, const char* what) const;
  void copy_item(void* dst, DType as) const;

  std::shared_ptr<detail::TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& tensor);

}  // namespace kiln
