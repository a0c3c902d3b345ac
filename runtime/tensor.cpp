// Tensor handles and storage: construction from host data, metadata, host copies.
#include <cstring>
#include <ostream>

#include "kiln/error.h"
#include "runtime/allocator.h"
#include "runtime/convert.h"
#include "runtime/cuda_device.h"
#include "runtime/object_pool.h"
#include "runtime/op_frame.h"
#include "runtime/shape_rules.h"
#include "runtime/tensor_impl.h"

namespace kiln {
namespace detail {

Buffer::Buffer(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  if (device.kind == Device::cuda) {
    // No GPU: CudaDevice::get throws an error that says why.
    data_ = reinterpret_cast<void*>(runtime::CudaDevice::get(device).allocate(bytes));
    return;
  }
  data_ = runtime::host_allocate(bytes);
}

Buffer::~Buffer() {
  if (device_.kind == Device::cuda)
    runtime::CudaDevice::get(device_).release(reinterpret_cast<uint64_t>(data_), bytes_);
  else
    runtime::host_deallocate(data_, bytes_);
}

Tensor to_host(const Tensor& x) {
  if (x.device().kind == Device::cpu) return x;
  Tensor out = empty(x.dtype(), x.shape());
  runtime::CudaDevice::get(x.device())
      .copy_to_host(out.impl()->data(), reinterpret_cast<uint64_t>(x.impl()->data()),
                    static_cast<size_t>(x.numel()) * dtype_size(x.dtype()));
  return out;
}

Tensor to_device(const Tensor& x, Device device) {
  if (x.device() == device) return x;
  if (x.device().kind == Device::cuda && device.kind == Device::cuda) return to_device(to_host(x), device);
  if (device.kind == Device::cpu) return to_host(x);
  Tensor out = empty(x.dtype(), x.shape(), device);
  runtime::CudaDevice::get(device).copy_to_device(reinterpret_cast<uint64_t>(out.impl()->data()),
                                                  x.impl()->data(),
                                                  static_cast<size_t>(x.numel()) * dtype_size(x.dtype()));
  return out;
}

Tensor empty(DType dtype, Shape shape, Device device) {
  // Every concrete tensor is made here: its size is checked once, for every op.
  auto count = rules::element_count(shape, dtype);
  if (!count) throw Error(runtime::op_message("empty", count.error()));
  auto impl = std::allocate_shared<TensorImpl>(runtime::PoolAllocator<TensorImpl>());
  impl->dtype = dtype;
  impl->numel = *count;
  impl->shape = std::move(shape);
  impl->device = device;
  impl->buffer = std::allocate_shared<Buffer>(runtime::PoolAllocator<Buffer>(),
                                              static_cast<size_t>(impl->numel) * dtype_size(dtype),
                                              device);
  return Tensor(std::move(impl));
}

Tensor symbolic(DType dtype, Shape shape, const void* symbol, uint64_t trace_id, Device device) {
  auto count = rules::element_count(shape, dtype, /*dynamic_ok=*/true);
  if (!count) throw Error(runtime::op_message("trace", count.error()));
  auto impl = std::allocate_shared<TensorImpl>(runtime::PoolAllocator<TensorImpl>());
  impl->dtype = dtype;
  impl->numel = *count;
  impl->shape = std::move(shape);
  impl->device = device;
  impl->symbol = symbol;
  impl->trace_id = trace_id;
  return Tensor(std::move(impl));
}

Tensor view(const Tensor& base, Shape shape) {
  auto impl = std::allocate_shared<TensorImpl>(runtime::PoolAllocator<TensorImpl>(), *base.impl());
  impl->shape = std::move(shape);
  return Tensor(std::move(impl));
}

}  // namespace detail

namespace {

const detail::TensorImpl& checked(const std::shared_ptr<detail::TensorImpl>& impl,
                                  const char* what) {
  if (!impl)
    throw Error(std::string("[") + what + "] the tensor is undefined (default-constructed)");
  return *impl;
}

/// Host access needs a value; a traced tensor has none until the graph runs.
const detail::TensorImpl& concrete(const std::shared_ptr<detail::TensorImpl>& impl,
                                   const char* what, const std::source_location* loc = nullptr) {
  const auto& t = checked(impl, what);
  if (t.symbolic())
    throw Error(std::string("[") + what + "] cannot read the value of a traced tensor (" +
                std::string(dtype_name(t.dtype)) + " " + shape_str(t.shape) +
                ") while tracing: its value exists only when the graph runs. Use kiln::cond or "
                "kiln::while_loop for control flow that depends on tensor values, and "
                "kiln::print to show values" +
                (loc != nullptr ? " (at " + runtime::file_line(*loc) + ")" : std::string()));
  return t;
}

}  // namespace

DType Tensor::dtype() const { return checked(impl_, "dtype").dtype; }
Dims Tensor::shape() const {
  const auto& t = checked(impl_, "shape");
  return Dims(t.shape, &t);
}

int64_t Dims::at(size_t axis) const {
  if (axis >= size())
    throw Error("[shape] axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(size()));
  return checked(axis);
}

Dims::operator const Shape&() const {
  for (size_t axis = 0; axis < size(); ++axis) checked(axis);
  return *dims_;
}

bool operator==(const Dims& a, const Shape& b) {
  if (a.size() != b.size()) return false;
  return static_cast<const Shape&>(a) == b;
}

void Dims::throw_dynamic(size_t axis) const {
  const std::string type = tensor_ != nullptr ? std::string(dtype_name(tensor_->dtype)) + " " +
                                                    shape_str(*dims_)
                                              : shape_str(*dims_);
  const std::string which = tensor_ != nullptr && tensor_->argument >= 0
                                ? "argument " + std::to_string(tensor_->argument) + " (" + type + ")"
                                : "a traced tensor (" + type + ")";
  const std::string a = std::to_string(axis);
  throw detail::DynamicShapeError(
      "[shape] dimension " + a + " of " + which +
      " is dynamic while tracing: its size is known only when the graph runs, and a host "
      "integer would bake one size into the graph. Use kiln::dim(x, " + a +
      ") (an i64 scalar tensor) or kiln::shape(x) in arithmetic and reshape instead");
}

std::string shape_str(const Dims& dims) { return shape_str(dims.unchecked()); }
int64_t Tensor::rank() const { return static_cast<int64_t>(checked(impl_, "rank").shape.size()); }
int64_t Tensor::numel() const { return checked(impl_, "numel").numel; }
Device Tensor::device() const { return checked(impl_, "device").device; }
const void* Tensor::data() const {
  const auto& t = concrete(impl_, "data");
  if (t.device.kind != Device::cpu)
    throw Error("[data] the tensor is on " + to_string(t.device) +
                ": host code cannot read device memory; copy it with .to(kiln::Device{}) first");
  return t.data();
}

Tensor Tensor::from_raw(const void* data, int64_t count, DType dtype, Shape shape, Device device) {
  auto elements = rules::element_count(shape, dtype);
  if (!elements) throw Error("[from] " + elements.error());
  if (*elements != count)
    throw Error("[from] " + std::to_string(count) + " values do not fill shape " +
                shape_str(shape) + " (" + std::to_string(*elements) + " elements)");
  if (device.kind != Device::cpu)  // built on the host, then copied
    return detail::to_device(from_raw(data, count, dtype, std::move(shape), Device{}), device);
  Tensor t = detail::empty(dtype, std::move(shape), device);
  if (dtype == DType::boolean) {
    // Normalize to 0/1: kernels rely on it.
    auto* dst = detail::mutable_data<uint8_t>(t);
    const auto* src = static_cast<const uint8_t*>(data);
    for (int64_t i = 0; i < count; ++i) dst[i] = src[i] != 0;
  } else if (count > 0) {
    std::memcpy(t.impl()->data(), data, static_cast<size_t>(count) * dtype_size(dtype));
  }
  return t;
}

void Tensor::copy_to_host(void* dst, DType as, const char* what,
                          const std::source_location& loc) const {
  concrete(impl_, what, &loc);
  const Tensor host = detail::to_host(*this);
  const auto& impl = *host.impl();
  runtime::convert_elements(impl.data(), impl.dtype, dst, as, impl.numel);
}

void Tensor::copy_item(void* dst, DType as, const std::source_location& loc) const {
  const auto& impl = concrete(impl_, "item", &loc);
  if (impl.numel != 1)
    throw Error("[item] needs a tensor with one element, got shape " + shape_str(impl.shape) + " " +
                std::string(dtype_name(impl.dtype)) + " (at " + runtime::file_line(loc) + ")");
  const Tensor host = detail::to_host(*this);
  runtime::convert_elements(host.impl()->data(), impl.dtype, dst, as, 1);
}

Item Tensor::item(std::source_location loc) const {
  const DType dtype = checked(impl_, "item").dtype;
  if (is_floating(dtype)) return Item(dtype, item<double>(loc), 0);
  return Item(dtype, 0, item<int64_t>(loc));  // i64 exactly; booleans as 0 and 1
}

std::ostream& operator<<(std::ostream& os, const Item& item) {
  if (item.dtype() == DType::boolean) return os << (item.as<int64_t>() != 0 ? "true" : "false");
  if (is_floating(item.dtype())) return os << item.as<double>();
  return os << item.as<int64_t>();
}

void Tensor::check_nested_length(int64_t got, int64_t want, int depth) {
  if (got != want)
    throw Error("[Tensor::from] nested lists must be rectangular: an entry at depth " +
                std::to_string(depth) + " has " + std::to_string(got) + " values, the first had " +
                std::to_string(want));
}

std::ostream& operator<<(std::ostream& os, const Tensor& tensor) { return os << tensor.str(); }

}  // namespace kiln
