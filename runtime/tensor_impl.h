// What a Tensor handle points at. Internal to kiln: layers below the public API use it to
// allocate outputs and reach raw storage.
#pragma once

#include <memory>

#include "kiln/error.h"
#include "kiln/tensor.h"

namespace kiln::detail {

/// A block of device memory from the caching allocator; freed back to it on destruction.
class Buffer {
 public:
  Buffer(size_t bytes, Device device);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  void* data_;
  size_t bytes_;
  Device device_;
};

/// A concrete tensor owns storage; a symbolic one (made while tracing) has none and names
/// an IR value instead: `symbol` is the value's opaque pointer within trace `trace_id`.
/// Its shape may hold -1 for dynamic dimensions (then numel is -1).
struct TensorImpl {
  DType dtype;
  Shape shape;
  int64_t numel;
  Device device;
  std::shared_ptr<Buffer> buffer;  // shared by views such as reshape
  const void* symbol = nullptr;
  uint64_t trace_id = 0;
  int32_t argument = -1;  // symbolic: the traced function's argument it stands for, if one
  void* data() const { return buffer ? buffer->data() : nullptr; }
  bool symbolic() const { return symbol != nullptr; }
};

/// `t`'s dimensions as they are, -1 for dynamic ones (Tensor::shape() refuses to read those):
/// for kiln's code that handles dynamic dimensions (shape rules, the tracer, messages).
inline const Shape& shape_of(const Tensor& t) { return t.shape().unchecked(); }
/// Whether `t` has a dynamic (-1) dimension: a symbolic tensor traced with sizes unknown.
inline bool has_dynamic_dims(const Tensor& t) {
  for (int64_t d : shape_of(t))
    if (d < 0) return true;
  return false;
}

/// What kiln throws where a dynamic dimension's size is needed while tracing (Dims, or an
/// op that depends on it, such as squeeze of every size-1 axis). reduce_retracing traces
/// such a call again with its static shapes.
class DynamicShapeError : public Error {
 public:
  using Error::Error;
};

/// A symbolic tensor of the given type standing for IR value `symbol` of trace `trace_id`,
/// on the device the traced call runs on (so that ops check devices as they do eagerly).
Tensor symbolic(DType dtype, Shape shape, const void* symbol, uint64_t trace_id,
                Device device = {});

/// A new tensor with uninitialized storage (64-byte aligned).
Tensor empty(DType dtype, Shape shape, Device device = {});
/// x's values on the host (x itself when it is there); waits for x's device.
Tensor to_host(const Tensor& x);
/// x's values on `device` (x itself when it is there).
Tensor to_device(const Tensor& x, Device device);
/// A tensor sharing `base`'s storage under another shape of the same element count.
Tensor view(const Tensor& base, Shape shape);

template <class T>
T* mutable_data(const Tensor& t) {
  return static_cast<T*>(t.impl()->data());
}
template <class T>
const T* data(const Tensor& t) {
  return static_cast<const T*>(t.impl()->data());
}

}  // namespace kiln::detail
