// matmul and the row-wise composites (softmax, log_softmax, layer_norm, cross-entropy).
#include "compiler/ops/apply_op.h"
#include "compiler/ops/op_support.h"
#include "kernels/gemm.h"
#include "kernels/normalization.h"
#include "runtime/tensor_impl.h"

namespace kiln {

using detail::CallSite;

Tensor matmul(const Tensor& a, const Tensor& b, Loc loc) {
  CallSite site{"matmul", &loc};
  const Device device = detail::check_operands(site, {&a, &b});
  auto type =
      detail::unwrap(site, rules::matmul(detail::type_of(a), detail::type_of(b)), {&a, &b});
  return detail::apply_kernel1(site, {&a, &b}, {}, type, device,
                               [&](const Tensor& out) { kernels::matmul(a, b, out); });
}

namespace {
Tensor run_softmax(const CallSite& site, const Tensor& x, int64_t axis, bool log) {
  const Device device = detail::check_operands(site, {&x});
  auto type = detail::unwrap(site, rules::softmax(detail::type_of(x), axis), {&x});
  if (axis < 0) axis += x.rank();
  return detail::apply_kernel1(site, {&x}, {{"axis", axis}}, type, device,
                               [&](const Tensor& out) { kernels::softmax(x, axis, log, out); });
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t axis, Loc loc) {
  return run_softmax({"softmax", &loc}, x, axis, false);
}
Tensor log_softmax(const Tensor& x, int64_t axis, Loc loc) {
  return run_softmax({"log_softmax", &loc}, x, axis, true);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, Loc loc) {
  CallSite site{"layer_norm", &loc};
  const Device device = detail::check_operands(site, {&x, &gamma, &beta});
  auto type = detail::unwrap(
      site, rules::layer_norm(detail::type_of(x), detail::type_of(gamma), detail::type_of(beta)),
      {&x, &gamma, &beta});
  if (!(eps >= 0)) detail::throw_op_error(site, "eps must be >= 0", {&x, &gamma, &beta});
  return detail::apply_kernel1(
      site, {&x, &gamma, &beta}, {{"eps", eps}}, type, device,
      [&](const Tensor& out) { kernels::layer_norm(x, gamma, beta, eps, out); });
}

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels, Loc loc) {
  CallSite site{"softmax_cross_entropy", &loc};
  const Device device = detail::check_operands(site, {&logits, &labels});
  auto type = detail::unwrap(
      site, rules::softmax_cross_entropy(detail::type_of(logits), detail::type_of(labels)),
      {&logits, &labels});
  return detail::apply_kernel1(
      site, {&logits, &labels}, {}, type, device,
      [&](const Tensor& out) { kernels::softmax_cross_entropy(logits, labels, out); });
}

}  // namespace kiln
