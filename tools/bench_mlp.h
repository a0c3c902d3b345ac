// kiln-bench: the MLP of W3 and W4 (784 -> 512 -> 512 -> 10, bias and relu), its training
// step (kiln::GradientTape + kiln::SGD on variables), a host f64 reference, and the
// finite-difference check of the tape's gradients.
#pragma once

#include <cstdint>
#include <memory>
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

/// softmax cross-entropy of the MLP's logits, averaged over the batch.
kiln::Tensor mlp_loss(const kiln::Tensor& x, const kiln::Tensor& labels,
                      const std::vector<kiln::Tensor>& params);

/// {mean loss, dw1, db1, dw2, db2, dw3, db3}, by kiln::GradientTape (params watched).
std::vector<kiln::Tensor> mlp_loss_and_grads(const kiln::Tensor& x, const kiln::Tensor& labels,
                                             const std::vector<kiln::Tensor>& params);

/// W4's state: the parameters as variables and the optimizer (its slots, if any, are
/// created by the first step, eager or traced).
struct MlpTrainer {
  MlpTrainer(const std::vector<kiln::Tensor>& init, double lr);
  std::vector<kiln::Variable*> variables();
  /// W4's body: one tape, one SGD step; {loss, w1, b1, w2, b2, w3, b3} with the
  /// parameters as they are after the step.
  std::vector<kiln::Tensor> step(const kiln::Tensor& x, const kiln::Tensor& labels);

  std::vector<std::unique_ptr<kiln::Variable>> params;
  kiln::SGD sgd;
};

/// Host f64 reference of the forward pass: probabilities of the given rows
/// (row-major, rows.size() x out), and the mean loss over the whole batch.
std::vector<double> host_mlp_probs(const MlpShape& shape, const std::vector<double>& x,
                                   const std::vector<std::vector<double>>& params,
                                   const std::vector<int64_t>& rows);
double host_mlp_loss(const MlpShape& shape, const std::vector<double>& x,
                     const std::vector<int64_t>& labels,
                     const std::vector<std::vector<double>>& params);

/// Checks the tape's gradients (mlp_loss_and_grads, computed on `device`) against central
/// finite differences of the host f64 loss on a tiny instance (every weight and bias
/// entry). "" when all agree; `report` receives a one-line summary either way.
std::string mlp_selfcheck(std::string* report, kiln::Device device = {});

}  // namespace kiln_bench
