// kiln-bench: the MLP of W3 and W4 (784 -> 512 -> 512 -> 10, bias and relu), its eager
// training step with a hand-written backward pass (kiln has no autodiff yet), a host f64
// reference, and the finite-difference check of the hand backward.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <kiln/kiln.h>

namespace kiln_bench {

struct MlpShape {
  int64_t batch = 64, in = 784, h1 = 512, h2 = 512, out = 10;
};

/// {w1 (in,h1), b1 (h1), w2 (h1,h2), b2 (h2), w3 (h2,out), b3 (out)}: uniform in
/// ±1/sqrt(fan_in) (biases ±0.1), fixed seeds derived from `seed`.
std::vector<kiln::Tensor> mlp_init(const MlpShape& shape, uint64_t seed);
/// Input (batch, in) uniform in [0, 1) and integer labels (batch,) i64 in [0, out).
kiln::Tensor mlp_input(const MlpShape& shape, uint64_t seed);
kiln::Tensor mlp_labels(const MlpShape& shape, uint64_t seed);

/// softmax(logits, 1) of the MLP: W3's body.
kiln::Tensor mlp_probs(const kiln::Tensor& x, const std::vector<kiln::Tensor>& params);

/// {mean loss, dw1, db1, dw2, db2, dw3, db3}, by the chain rule written in kiln ops.
std::vector<kiln::Tensor> mlp_loss_and_grads(const kiln::Tensor& x, const kiln::Tensor& labels,
                                             const std::vector<kiln::Tensor>& params);
/// W4's body: {loss, w1', b1', w2', b2', w3', b3'} with p' = p - lr * dp.
std::vector<kiln::Tensor> mlp_train_step(const kiln::Tensor& x, const kiln::Tensor& labels,
                                         const std::vector<kiln::Tensor>& params, float lr);

/// Host f64 reference of the forward pass: probabilities of the given rows
/// (row-major, rows.size() x out), and the mean loss over the whole batch.
std::vector<double> host_mlp_probs(const MlpShape& shape, const std::vector<double>& x,
                                   const std::vector<std::vector<double>>& params,
                                   const std::vector<int64_t>& rows);
double host_mlp_loss(const MlpShape& shape, const std::vector<double>& x,
                     const std::vector<int64_t>& labels,
                     const std::vector<std::vector<double>>& params);

/// Checks mlp_loss_and_grads against central finite differences of the host f64 loss on
/// a tiny instance (every weight and bias entry). "" when all agree; `report` receives a
/// one-line summary either way.
std::string mlp_selfcheck(std::string* report);

}  // namespace kiln_bench
