// Factories: zeros, ones, full, arange, eye, random_uniform, random_normal, random_int.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "compiler/ops/random_ops.h"
#include "kernels/fill.h"
#include "kernels/random.h"
#include "runtime/cuda_driver.h"
#include "runtime/tensor_impl.h"

namespace kiln {

using detail::CallSite;

namespace {

Tensor new_tensor(const CallSite& site, DType dtype, const Shape& shape, Device device) {
  detail::unwrap(site, rules::element_count(shape, dtype), {});
  if (device.kind != Device::cpu)  // no GPU: the error says why
    if (std::string problem = runtime::cuda_device_problem(device); !problem.empty())
      detail::throw_op_error(site, problem, {});
  return detail::empty(dtype, shape, device);
}

}  // namespace

Tensor full(Shape shape, Scalar value, DType dtype, Device device, Loc loc) {
  CallSite site{"full", &loc};
  Tensor v = detail::scalar_tensor(site, value, dtype);
  Tensor out = new_tensor(site, dtype, shape, device);
  kernels::fill(out, v.data());
  return out;
}

Tensor zeros(Shape shape, DType dtype, Device device, Loc loc) {
  CallSite site{"zeros", &loc};
  return full(std::move(shape), 0, dtype, device);
}
Tensor ones(Shape shape, DType dtype, Device device, Loc loc) {
  CallSite site{"ones", &loc};
  return full(std::move(shape), 1, dtype, device);
}

Tensor arange(int64_t n, DType dtype, Loc loc) {
  CallSite site{"arange", &loc};
  if (n < 0) detail::throw_op_error(site, "n must be >= 0, got " + std::to_string(n), {});
  Tensor out = new_tensor(site, dtype, {n}, {});
  kernels::arange(out, 0, 1);
  return out;
}

Tensor arange(double start, double stop, double step, DType dtype, Loc loc) {
  CallSite site{"arange", &loc};
  if (step == 0 || !std::isfinite(step) || !std::isfinite(start) || !std::isfinite(stop))
    detail::throw_op_error(site, "start, stop and a non-zero step must be finite", {});
  const double count = std::ceil((stop - start) / step);
  if (!(count <= static_cast<double>(rules::kMaxTensorBytes)))  // also NaN (inf - inf)
    detail::throw_op_error(site, fmt::format("[{}, {}) in steps of {} has {} elements: more than "
                                             "a tensor can hold", start, stop, step, count), {});
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  Tensor out = new_tensor(site, dtype, {n}, {});
  kernels::arange(out, start, step);
  return out;
}

Tensor eye(int64_t n, DType dtype, Loc loc) {
  CallSite site{"eye", &loc};
  if (n < 0) detail::throw_op_error(site, "n must be >= 0, got " + std::to_string(n), {});
  Tensor out = new_tensor(site, dtype, {n, n}, {});
  kernels::eye(out);
  return out;
}

// ---- Random: keyed (compiler/ops/random_ops.h), and the stateless forms over them -----

namespace detail {

namespace {

/// A random op: checks, then the traced op (key and, for dynamic sizes, `dims` as
/// operands) or `fill(out, key)` on a fresh host tensor.
template <class Fill>
Tensor random_op(const CallSite& site, const Tensor& key, const Tensor* dims, const Shape& shape,
                 DType dtype, bool integers, const Attrs& attrs, Fill fill) {
  const Device device = check_operands(site, {&key});
  std::vector<const Tensor*> operands{&key};
  std::optional<rules::TensorType> dims_type;
  if (dims != nullptr) {
    check_operands(site, {dims});
    dims_type = type_of(*dims);
    operands.push_back(dims);
  }
  auto type = unwrap(site, rules::random(type_of(key), shape, dtype, integers,
                                         dims_type ? &*dims_type : nullptr),
                     {&key});
  return apply_op1(site, operands, attrs, type, [&] {
    Shape actual = shape;
    if (dims != nullptr) {  // concrete sizes (eager): they must agree with the static ones
      const auto sizes = dims->to_vector<int64_t>();
      for (size_t i = 0; i < actual.size(); ++i) {
        if (actual[i] >= 0 && actual[i] != sizes[i])
          throw_op_error(site, "the sizes " + shape_str(sizes) + " do not match the shape " +
                                   shape_str(shape), {dims});
        actual[i] = sizes[i];
      }
      unwrap(site, rules::element_count(actual, dtype), {dims});
    }
    Tensor out = empty(dtype, actual, device);
    run_kernel(site, {&key}, [&] { fill(out, kernels::key_of(key)); });
    return out;
  });
}

}  // namespace

Tensor random_uniform(const Tensor& key, Shape shape, float lo, float hi, DType dtype, Loc loc,
                      const Tensor* dims) {
  CallSite site{"random_uniform", &loc};
  if (!(lo <= hi)) throw_op_error(site, fmt::format("needs lo <= hi, got {} and {}", lo, hi), {});
  return random_op(site, key, dims, shape, dtype, false,
                   {{"shape", shape}, {"lo", double{lo}}, {"hi", double{hi}}, {"dtype", dtype}},
                   [&](const Tensor& out, kernels::RandomKey k) {
                     kernels::random_uniform(out, k, lo, hi);
                   });
}

Tensor random_normal(const Tensor& key, Shape shape, float mean, float stddev, DType dtype,
                     Loc loc, const Tensor* dims) {
  CallSite site{"random_normal", &loc};
  if (!(stddev >= 0)) throw_op_error(site, fmt::format("needs stddev >= 0, got {}", stddev), {});
  return random_op(
      site, key, dims, shape, dtype, false,
      {{"shape", shape}, {"mean", double{mean}}, {"stddev", double{stddev}}, {"dtype", dtype}},
      [&](const Tensor& out, kernels::RandomKey k) {
        kernels::random_normal(out, k, mean, stddev);
      });
}

Tensor random_int(const Tensor& key, Shape shape, int64_t lo, int64_t hi, DType dtype, Loc loc,
                  const Tensor* dims) {
  CallSite site{"random_int", &loc};
  if (!(lo < hi)) throw_op_error(site, fmt::format("needs lo < hi, got {} and {}", lo, hi), {});
  if (dtype == DType::i32 && (lo < INT32_MIN || hi - 1 > INT32_MAX))
    throw_op_error(site, fmt::format("[{}, {}) does not fit i32", lo, hi), {});
  return random_op(site, key, dims, shape, dtype, true,
                   {{"shape", shape}, {"lo", lo}, {"hi", hi}, {"dtype", dtype}},
                   [&](const Tensor& out, kernels::RandomKey k) {
                     kernels::random_int(out, k, lo, hi);
                   });
}

}  // namespace detail

Tensor random_uniform(Shape shape, uint64_t seed, float lo, float hi, DType dtype, Loc loc) {
  return detail::random_uniform(kernels::key_tensor({seed, 0}), std::move(shape), lo, hi, dtype,
                                loc);
}

Tensor random_normal(Shape shape, uint64_t seed, float mean, float stddev, DType dtype, Loc loc) {
  return detail::random_normal(kernels::key_tensor({seed, 0}), std::move(shape), mean, stddev,
                               dtype, loc);
}

Tensor random_int(Shape shape, uint64_t seed, int64_t lo, int64_t hi, DType dtype, Loc loc) {
  return detail::random_int(kernels::key_tensor({seed, 0}), std::move(shape), lo, hi, dtype, loc);
}

}  // namespace kiln
