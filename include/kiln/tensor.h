/// \file
/// kiln::Tensor: a handle to a dense, contiguous, ref-counted n-d array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <type_traits>
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
  using value_type = int64_t;  ///< a dimension
  /// Internal: the view Tensor::shape() makes of a tensor's dimensions.
  Dims(const Shape& dims, const detail::TensorImpl* tensor) : dims_(&dims), tensor_(tensor) {}

  /// The rank.
  size_t size() const { return dims_->size(); }
  /// Rank 0.
  bool empty() const { return dims_->empty(); }
  /// Whether dimension `axis` has a size now (always, outside a trace).
  bool is_static(size_t axis) const { return (*dims_)[axis] >= 0; }

  /// Dimension `axis` (throws when it is dynamic while tracing).
  int64_t operator[](size_t axis) const { return checked(axis); }
  /// Dimension `axis`, refusing an axis past the rank too.
  int64_t at(size_t axis) const;
  /// The first dimension.
  int64_t front() const { return checked(0); }
  /// The last dimension.
  int64_t back() const { return checked(size() - 1); }
  /// Every dimension must have a size.
  operator const Shape&() const;  // NOLINT(google-explicit-constructor): reads as a Shape
  /// A copy as a Shape (every dimension must have a size).
  Shape vec() const { return static_cast<const Shape&>(*this); }

  /// Walks the dimensions in order (each read as operator[] reads it).
  class iterator {
   public:
    using value_type = int64_t;              ///< a dimension
    using difference_type = std::ptrdiff_t;  ///< a distance in axes
    iterator() = default;
    /// At `axis` of `dims`.
    iterator(const Dims* dims, size_t axis) : dims_(dims), axis_(axis) {}
    /// The dimension here.
    int64_t operator*() const { return (*dims_)[axis_]; }
    /// To the next axis.
    iterator& operator++() {
      ++axis_;
      return *this;
    }
    /// To the next axis, returning this one.
    iterator operator++(int) {
      iterator old = *this;
      ++axis_;
      return old;
    }
    /// At the same axis.
    bool operator==(const iterator& o) const { return axis_ == o.axis_; }

   private:
    const Dims* dims_ = nullptr;
    size_t axis_ = 0;
  };
  /// The first axis.
  iterator begin() const { return iterator(this, 0); }
  /// Past the last axis.
  iterator end() const { return iterator(this, size()); }

  /// Equal rank and dimensions; a dynamic dimension compared with anything throws.
  friend bool operator==(const Dims& a, const Shape& b);
  /// Equal rank and dimensions; a dynamic dimension compared with anything throws.
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

/// One axis of Tensor::index: an integer (the axis is dropped; negative counts from the
/// end) or a half-open range [start, stop) (kiln::range; negative values count from the
/// end; kiln::range() is the whole axis). x.index({1, kiln::range(0, 2)}) is NumPy's
/// x[1, 0:2]; x.index({kiln::range(), -1}) is x[:, -1].
class Index {
 public:
  /// A range's stop meaning "to the end of the axis".
  static constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  /// An integer index (implicit: `x[2]`).
  constexpr Index(int64_t i) : integer_(true), start_(i), stop_(i) {}  // NOLINT: implicit
  /// An integer index (implicit: `x[2]`).
  constexpr Index(int i) : Index(static_cast<int64_t>(i)) {}  // NOLINT: implicit
  /// The range [start, stop) (kiln::range builds these).
  static constexpr Index slice(int64_t start, int64_t stop) { return Index(start, stop); }
  /// An integer index rather than a range.
  bool integer() const { return integer_; }
  /// The integer, or the range's start.
  int64_t start() const { return start_; }
  /// The range's stop (kEnd: to the end of the axis); the integer for an integer index.
  int64_t stop() const { return stop_; }

 private:
  constexpr Index(int64_t start, int64_t stop) : integer_(false), start_(start), stop_(stop) {}
  bool integer_;
  int64_t start_, stop_;
};
/// [start, stop) along one axis; range(start) runs to the end, range() is the whole axis.
constexpr Index range(int64_t start = 0, int64_t stop = Index::kEnd) {
  return Index::slice(start, stop);
}

/// The value of Tensor::item() when no type is named: the element in its own dtype (an
/// i64 stays exact), converting to any arithmetic type as static_cast would, printable.
class Item {
 public:
  /// Internal: Tensor::item() makes these (`f` holds a floating element, `i` any other).
  Item(DType dtype, double f, int64_t i) : dtype_(dtype), f_(f), i_(i) {}
  /// The element's dtype.
  DType dtype() const { return dtype_; }
  /// The element converted to T as static_cast would.
  template <class T>
    requires std::is_arithmetic_v<T>
  operator T() const {  // NOLINT(google-explicit-constructor): converts like a number
    return is_floating(dtype_) ? static_cast<T>(f_) : static_cast<T>(i_);
  }
  /// The element converted to T, spelled out: `x.item().as<int64_t>()`.
  template <class T>
  T as() const {
    return static_cast<T>(*this);
  }

 private:
  DType dtype_;
  double f_;
  int64_t i_;
};
/// Prints the element as its dtype prints (an i64 exactly, a boolean as true/false).
std::ostream& operator<<(std::ostream& os, const Item& item);

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
  /// Copies a vector (std::vector<bool> too) into a new tensor of the given shape.
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
  /// A braced list of elements in a given shape: Tensor::from<float>({1, 2, 3, 4}, {2, 2}).
  template <class T>
  static Tensor from(std::initializer_list<T> data, Shape shape, Device device = {}) {
    return from(std::span<const T>(data.begin(), data.size()), std::move(shape), device);
  }
  /// 1-D data, its shape implied: Tensor::from<float>({1, 2, 3}) is (3,).
  template <class T>
  static Tensor from(std::initializer_list<T> data) {
    return from(data, Shape{static_cast<int64_t>(data.size())});
  }
  /// A vector as a 1-D tensor.
  template <class T>
  static Tensor from(const std::vector<T>& data) {
    return from(data, Shape{static_cast<int64_t>(data.size())});
  }
  /// Nested lists, NumPy's np.array([[1, 2], [3, 4]]): the rows must have one length
  /// (kiln::Error otherwise).
  template <class T>
  static Tensor from(std::initializer_list<std::initializer_list<T>> rows) {
    std::vector<T> flat;
    Shape shape{static_cast<int64_t>(rows.size()), rows.size() ? static_cast<int64_t>(rows.begin()->size()) : 0};
    for (const auto& row : rows) {
      check_nested_length(static_cast<int64_t>(row.size()), shape[1], 1);
      flat.insert(flat.end(), row.begin(), row.end());
    }
    return from(flat, std::move(shape));
  }
  /// Three levels of nested lists: a rank-3 tensor (the lists at each level of one length).
  template <class T>
  static Tensor from(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks) {
    std::vector<T> flat;
    Shape shape{static_cast<int64_t>(blocks.size()), 0, 0};
    if (blocks.size()) {
      shape[1] = static_cast<int64_t>(blocks.begin()->size());
      if (blocks.begin()->size()) shape[2] = static_cast<int64_t>(blocks.begin()->begin()->size());
    }
    for (const auto& block : blocks) {
      check_nested_length(static_cast<int64_t>(block.size()), shape[1], 1);
      for (const auto& row : block) {
        check_nested_length(static_cast<int64_t>(row.size()), shape[2], 2);
        flat.insert(flat.end(), row.begin(), row.end());
      }
    }
    return from(flat, std::move(shape));
  }
  /// A rank-0 tensor.
  template <class T>
  static Tensor scalar(T value, Device device = {}) {
    return from(std::span<const T>(&value, 1), Shape{}, device);
  }

  /// False for a default-constructed tensor.
  bool defined() const { return impl_ != nullptr; }
  /// The element type.
  DType dtype() const;
  /// The dimensions (see Dims: a dynamic one cannot be read as a number while tracing).
  Dims shape() const;
  /// The number of dimensions.
  int64_t rank() const;
  /// The number of elements (while tracing, a dynamic dimension makes this throw).
  int64_t numel() const;
  /// Where the storage lives.
  Device device() const;

  /// Copies the elements to the host, converted to T (as static_cast would). Inside a
  /// traced function a traced tensor has no value: kiln::Error naming `loc`.
  template <class T>
  std::vector<T> to_vector(std::source_location loc = std::source_location::current()) const {
    std::vector<T> out;
    if constexpr (std::is_same_v<T, bool>) {
      std::vector<uint8_t> bytes(static_cast<size_t>(numel()));
      copy_to_host(bytes.data(), DType::boolean, "to_vector", loc);
      out.assign(bytes.begin(), bytes.end());
    } else {
      out.resize(static_cast<size_t>(numel()));
      copy_to_host(out.data(), dtype_of<T>(), "to_vector", loc);
    }
    return out;
  }
  /// The value of a one-element tensor, converted to T.
  template <class T>
  T item(std::source_location loc = std::source_location::current()) const {
    if constexpr (std::is_same_v<T, bool>) {
      uint8_t byte = 0;
      copy_item(&byte, DType::boolean, loc);
      return byte != 0;
    } else {
      T value{};
      copy_item(&value, dtype_of<T>(), loc);
      return value;
    }
  }
  /// The value of a one-element tensor in its own dtype: `double v = x.item();`,
  /// `std::cout << x.item()`.
  Item item(std::source_location loc = std::source_location::current()) const;

  /// A copy on `device` (this tensor itself when it is there already).
  Tensor to(Device device) const;
  /// cast(*this, dtype).
  Tensor astype(DType dtype) const;

  // ---- Methods: the free functions of kiln/ops.h, for chaining ----------------------------
  // x.reshape({2, -1}).sum(1) is sum(reshape(x, {2, -1}), 1): the same ops, traced and
  // differentiated alike (compiler/ops/tensor_methods.cpp).
  /// kiln::reshape(*this, shape).
  Tensor reshape(Shape shape, std::source_location loc = std::source_location::current()) const;
  /// An empty perm reverses the axes.
  Tensor transpose(std::vector<int64_t> perm = {},
                   std::source_location loc = std::source_location::current()) const;
  /// The axes reversed (NumPy's .T): a matrix's transpose.
  Tensor T(std::source_location loc = std::source_location::current()) const;
  /// kiln::sum(*this, axes, keepdims).
  Tensor sum(Axes axes = {}, bool keepdims = false,
             std::source_location loc = std::source_location::current()) const;
  /// kiln::mean(*this, axes, keepdims).
  Tensor mean(Axes axes = {}, bool keepdims = false,
              std::source_location loc = std::source_location::current()) const;
  /// kiln::max(*this, axes, keepdims).
  Tensor max(Axes axes = {}, bool keepdims = false,
             std::source_location loc = std::source_location::current()) const;
  /// kiln::min(*this, axes, keepdims).
  Tensor min(Axes axes = {}, bool keepdims = false,
             std::source_location loc = std::source_location::current()) const;
  /// kiln::argmax(*this, axis, keepdims).
  Tensor argmax(int64_t axis = -1, bool keepdims = false,
                std::source_location loc = std::source_location::current()) const;
  /// kiln::argmin(*this, axis, keepdims).
  Tensor argmin(int64_t axis = -1, bool keepdims = false,
                std::source_location loc = std::source_location::current()) const;
  /// kiln::squeeze(*this, axes).
  Tensor squeeze(Axes axes = {}, std::source_location loc = std::source_location::current()) const;
  /// kiln::expand_dims(*this, axis).
  Tensor expand_dims(int64_t axis,
                     std::source_location loc = std::source_location::current()) const;
  /// kiln::matmul(*this, other).
  Tensor matmul(const Tensor& other,
                std::source_location loc = std::source_location::current()) const;
  /// NumPy indexing of the leading axes (see kiln::Index): the axes not named are whole;
  /// an integer drops its axis. Sizes must be known (static): for a dynamic axis use
  /// kiln::gather.
  Tensor index(std::initializer_list<Index> indices,
               std::source_location loc = std::source_location::current()) const;
  /// x[i]: entry i of axis 0 (rank - 1); x[kiln::range(1, 3)]: entries 1 and 2 of axis 0.
  Tensor operator[](Index i) const;

  /// "kiln.Tensor([[1 10] [1 31]], shape=(2, 2), dtype=f32)"; long tensors are
  /// summarized with "..." like NumPy.
  std::string str() const;

  /// Raw access to the contiguous host storage (for kernels, interop and tests).
  const void* data() const;
  /// data() as T's (T must be the dtype's element type).
  template <class T>
  const T* data_as() const {
    return static_cast<const T*>(data());
  }

  // Internal: layers below the public API build tensors from implementations.
  /// Internal: wraps an implementation (kiln's own layers).
  explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}
  /// Internal: the implementation (kiln's own layers).
  const std::shared_ptr<detail::TensorImpl>& impl() const { return impl_; }

 private:
  static Tensor from_raw(const void* data, int64_t count, DType dtype, Shape shape,
                         Device device);
  /// Throws kiln::Error when a nested list's entry has `got` entries, not `want`.
  static void check_nested_length(int64_t got, int64_t want, int depth);
  void copy_to_host(void* dst, DType as, const char* what, const std::source_location& loc) const;
  void copy_item(void* dst, DType as, const std::source_location& loc) const;

  std::shared_ptr<detail::TensorImpl> impl_;
};

/// Prints tensor.str().
std::ostream& operator<<(std::ostream& os, const Tensor& tensor);

}  // namespace kiln
