#include "compiler/op_support.h"

#include "compiler/trace_api.h"

#include <cmath>

#include "runtime/convert.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape());
}

void throw_op_error(const CallSite& site, const std::string& message,
                    std::initializer_list<const Tensor*> operands) {
  std::string m = std::string("[") + site.op + "] " + message;
  if (operands.size() > 0) {
    m += "; operands: ";
    bool first = true;
    for (const Tensor* t : operands) {
      if (!first) m += ", ";
      first = false;
      m += describe(*t);
    }
  }
  const std::source_location* loc = site.loc != nullptr ? site.loc : trace_fallback_location();
  if (loc != nullptr)
    m += " (at " + std::string(loc->file_name()) + ":" + std::to_string(loc->line()) + ")";
  throw Error(m);
}

Device check_operands(const CallSite& site, std::initializer_list<const Tensor*> operands) {
  for (const Tensor* t : operands)
    if (!t->defined()) throw_op_error(site, "an operand is an undefined (default-constructed) tensor", operands);
  Device device = operands.size() > 0 ? (*operands.begin())->device() : Device{};
  for (const Tensor* t : operands)
    if (t->device() != device)
      throw_op_error(site,
                     "operands on different devices, " + to_string(device) + " and " + to_string(t->device()) +
                         ": move them to one device with .to(device) first",
                     operands);
  return device;
}

void rethrow_kernel_error(const CallSite& site, const Error& error,
                          std::initializer_list<const Tensor*> operands) {
  std::string m = error.what();
  // Kernels prefix their own "[op] "; the op's call site says it again.
  if (!m.empty() && m[0] == '[') m = m.substr(m.find("] ") + 2);
  throw_op_error(site, m, operands);
}

rules::TensorType type_of(const Tensor& t) { return {t.dtype(), t.shape()}; }

Tensor scalar_tensor(const CallSite& site, Scalar value, DType dtype, Device device) {
  if (device.kind != Device::cpu) return to_device(scalar_tensor(site, value, dtype), device);
  Tensor t = empty(dtype, {});
  if (value.is_floating()) {
    double v = value.as_double();
    if (is_integer(dtype) && !(std::isfinite(v) && v == std::trunc(v)))
      throw_op_error(site, "scalar " + std::to_string(v) + " is not an integer, and the tensor is " +
                               std::string(dtype_name(dtype)), {});
    if (dtype == DType::boolean && v != 0 && v != 1)
      throw_op_error(site, "scalar " + std::to_string(v) + " is not 0 or 1 for a boolean tensor", {});
    runtime::convert_elements(&v, DType::f64, t.impl()->data(), dtype, 1);
  } else {
    int64_t v = value.as_int();
    if (dtype == DType::boolean && v != 0 && v != 1)
      throw_op_error(site, "scalar " + std::to_string(v) + " is not 0 or 1 for a boolean tensor", {});
    runtime::convert_elements(&v, DType::i64, t.impl()->data(), dtype, 1);
  }
  return t;
}

}  // namespace kiln::detail
