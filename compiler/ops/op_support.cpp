#include "compiler/ops/op_support.h"

#include "compiler/trace/trace_api.h"

#include <fmt/format.h>

#include <climits>
#include <cmath>
#include <limits>

#include "runtime/convert.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

bool profile_from_environment();  // compiler/function/profiler.cpp

namespace {
// KILN_PROFILE is read as the program starts: this file is in every program that runs an op.
[[maybe_unused]] const bool profiling_from_environment = profile_from_environment();
}  // namespace

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape());
}

std::string op_error_message(const CallSite& site, const std::string& message,
                             std::initializer_list<const Tensor*> operands) {
  // The op the user called (the outermost frame: `site` itself, unless this op runs on
  // behalf of another) and the user's line: its own, or the traced kiln::function's call.
  const runtime::OpFrame* frame = runtime::OpFrame::outermost();
  std::string m = std::string("[") + (frame != nullptr ? frame->op() : site.op) + "] " + message;
  if (operands.size() > 0) {
    m += "; operands: ";
    bool first = true;
    for (const Tensor* t : operands) {
      if (!first) m += ", ";
      first = false;
      m += describe(*t);
    }
  }
  const std::source_location* caller = trace_fallback_location();
  std::string where = frame != nullptr ? frame->location(caller) : std::string();
  if (where.empty() && caller != nullptr) where = runtime::file_line(*caller);
  if (!where.empty()) m += " (at " + where + ")";
  return m;
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

rules::TensorType type_of(const Tensor& t) { return {t.dtype(), shape_of(t)}; }

namespace {

std::string scalar_str(Scalar value) {
  if (value.beyond_i64()) return fmt::format("{}", static_cast<uint64_t>(value.as_int()));
  if (value.is_floating()) return fmt::format("{}", value.as_double());
  return std::to_string(value.as_int());
}

/// Why `dtype` cannot hold `value` exactly as a kind and within its range; empty if it can.
std::string scalar_misfit(Scalar value, DType dtype) {
  const std::string dt(dtype_name(dtype));
  if (dtype == DType::boolean) {
    const bool bit = value.is_floating() ? (value.as_double() == 0 || value.as_double() == 1)
                                         : (!value.beyond_i64() && (value.as_int() == 0 || value.as_int() == 1));
    return bit ? "" : "is not 0 or 1 for a boolean tensor";
  }
  if (is_integer(dtype)) {
    // The range as doubles: [-2^(w-1), 2^(w-1)), both ends exact.
    const int width = dtype == DType::i32 ? 32 : 64;
    const double lo = -std::ldexp(1.0, width - 1), hi = std::ldexp(1.0, width - 1);
    if (value.is_floating()) {
      const double v = value.as_double();
      if (!(std::isfinite(v) && v == std::trunc(v)))
        return "is not an integer, and the tensor is " + dt;
      if (v < lo || v >= hi) return "is out of range for " + dt;
      return "";
    }
    if (value.beyond_i64()) return "is out of range for " + dt;
    if (dtype == DType::i32 && (value.as_int() < INT32_MIN || value.as_int() > INT32_MAX))
      return "is out of range for " + dt;
    return "";
  }
  // Floating tensors: integers round to the nearest value (as in NumPy); a finite number
  // beyond the dtype's largest finite value would become inf.
  if (dtype == DType::f32 && value.is_floating() && std::isfinite(value.as_double()) &&
      std::fabs(value.as_double()) > static_cast<double>(std::numeric_limits<float>::max()))
    return "is out of range for f32 (it would become inf)";
  return "";
}

}  // namespace

void note_bytes_moved(const std::vector<const Tensor*>& operands, const Tensor& out) noexcept {
  auto bytes_of = [](const Tensor& t) -> uint64_t {
    const TensorImpl* impl = t.impl().get();
    return impl != nullptr && impl->numel > 0
               ? static_cast<uint64_t>(impl->numel) * dtype_size(impl->dtype)
               : 0;
  };
  uint64_t bytes = bytes_of(out);
  for (const Tensor* operand : operands) {
    if (operand == nullptr || !operand->defined()) continue;
    // A view (reshape, a no-op transpose) shares its operand's storage: nothing moved.
    if (out.defined() && operand->impl()->buffer != nullptr &&
        operand->impl()->buffer == out.impl()->buffer)
      return;
    bytes += bytes_of(*operand);
  }
  runtime::OpFrame::add_profile_bytes(bytes);
}

Tensor scalar_tensor(const CallSite& site, Scalar value, DType dtype, Device device) {
  if (device.kind != Device::cpu) return to_device(scalar_tensor(site, value, dtype), device);
  if (std::string why = scalar_misfit(value, dtype); !why.empty())
    throw_op_error(site, "scalar " + scalar_str(value) + " " + why, {});
  Tensor t = empty(dtype, {});
  if (value.is_floating()) {
    double v = value.as_double();
    runtime::convert_elements(&v, DType::f64, t.impl()->data(), dtype, 1);
  } else if (value.beyond_i64()) {  // a floating tensor (integers refused it above)
    double v = static_cast<double>(static_cast<uint64_t>(value.as_int()));
    runtime::convert_elements(&v, DType::f64, t.impl()->data(), dtype, 1);
  } else {
    int64_t v = value.as_int();
    runtime::convert_elements(&v, DType::i64, t.impl()->data(), dtype, 1);
  }
  return t;
}

}  // namespace kiln::detail
