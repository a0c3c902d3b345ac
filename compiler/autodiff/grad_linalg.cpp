// Gradients of matmul and the row-wise composites (ops_linalg.cpp).
#include "compiler/autodiff/gradients.h"
#include "kiln/ops.h"

namespace kiln::detail {
namespace {

using Grads = std::vector<Tensor>;

/// Swaps the last two axes.
Tensor transpose_last(const Tensor& t) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < t.rank(); ++i) perm.push_back(i);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return transpose(t, perm);
}

// a (..., M, K) @ b (..., K, N): da = g @ bᵀ, db = aᵀ @ g, summed over broadcast batch axes.
Grads matmul_vjp(const VjpArgs& a) {
  const Tensor &x = a.inputs[0], &y = a.inputs[1], &g = a.grads[0];
  Grads out(2);
  if (a.needed[0]) out[0] = unbroadcast(matmul(g, transpose_last(y)), x);
  if (a.needed[1]) out[1] = unbroadcast(matmul(transpose_last(x), g), y);
  return out;
}

Grads softmax_vjp(const VjpArgs& a) {
  const Tensor &y = a.outputs[0], &g = a.grads[0];
  const int64_t axis = a.attrs.i64("axis");
  return {y * (g - sum(g * y, axis, /*keepdims=*/true))};
}

Grads log_softmax_vjp(const VjpArgs& a) {
  const Tensor &y = a.outputs[0], &g = a.grads[0];
  const int64_t axis = a.attrs.i64("axis");
  return {g - exp(y) * sum(g, axis, /*keepdims=*/true)};
}

// y = x̂ γ + β with x̂ = (x - μ) σ⁻¹ over the last axis (σ recomputed here rather than
// kept by the forward kernel).
Grads layer_norm_vjp(const VjpArgs& a) {
  const Tensor &x = a.inputs[0], &gamma = a.inputs[1], &g = a.grads[0];
  Tensor centered = x - mean(x, -1, true);
  Tensor rstd = rsqrt(mean(centered * centered, -1, true) + a.attrs.f64("eps"));
  Tensor xhat = centered * rstd;
  Grads out(3);
  if (a.needed[0]) {
    Tensor gxhat = g * gamma;
    out[0] = rstd * (gxhat - mean(gxhat, -1, true) - xhat * mean(gxhat * xhat, -1, true));
  }
  if (a.needed[1]) out[1] = unbroadcast(g * xhat, gamma);
  if (a.needed[2]) out[2] = unbroadcast(g, a.inputs[2]);
  return out;
}

// d loss / d logits = softmax(logits) - one_hot(label); labels are integers.
Grads softmax_cross_entropy_vjp(const VjpArgs& a) {
  const Tensor &logits = a.inputs[0], &labels = a.inputs[1];
  const int64_t classes = logits.shape().back();
  Tensor diff = softmax(logits, -1) - one_hot(labels, classes, logits.dtype());
  return {expand_dims(a.grads[0], -1) * diff, Tensor()};
}

}  // namespace

const GradientRule grad_matmul{&matmul_vjp};
const GradientRule grad_softmax{&softmax_vjp};
const GradientRule grad_log_softmax{&log_softmax_vjp};
const GradientRule grad_layer_norm{&layer_norm_vjp};
const GradientRule grad_softmax_cross_entropy{&softmax_cross_entropy_vjp};

}  // namespace kiln::detail
