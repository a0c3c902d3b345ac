/// \file
/// Layers for small models: kiln::Dense and kiln::MLP. Their weights are kiln::Variables,
/// so a layer called inside a kiln::function reads them as graph inputs, and a
/// GradientTape watches them without a `watch` call.
///
/// \code
/// kiln::MLP model({784, 512, 10}, /*seed=*/1);   // relu between layers, none after
/// Tensor logits = model(x);                       // x: (batch, 784)
/// auto grads = tape.gradient(loss, model.variables());
/// \endcode
///
/// Layers own their variables through std::unique_ptr: a layer moves (a std::vector of
/// them is fine) but does not copy, since a Variable is one slot shared by reference.
/// Constructing a layer creates variables, which inside a kiln::function is allowed on the
/// first trace only (as in tf.function): build models outside the traced lambda.
#pragma once

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/dtype.h"
#include "kiln/random.h"
#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln {

/// A layer's activation: none (identity), relu, tanh or the exact gelu.
enum class Activation { none, relu, tanh, gelu };

/// "none", "relu", "tanh", "gelu".
std::string_view activation_name(Activation activation);
/// The activation applied to x (x itself for Activation::none); gelu is the exact one.
Tensor activate(const Tensor& x, Activation activation, std::source_location loc = std::source_location::current());

/// y = act(x @ kernel + bias): kernel (in, out) drawn Glorot/Xavier-uniform from `seed`,
/// in ±sqrt(6 / (in + out)), so a seed gives the same layer on every machine; bias (out,)
/// starts at zero.
class Dense {
 public:
  /// A layer of in_features -> out_features; its variables are named "<name>/kernel" and
  /// "<name>/bias".
  Dense(int64_t in_features, int64_t out_features, uint64_t seed,
        Activation activation = Activation::none, DType dtype = DType::f32,
        std::string name = "dense");

  /// x (..., in) -> (..., out); x has rank 2 or more (matmul's rule). `loc`: the layer's
  /// ops carry kiln's lines called from this one (IR locations, errors).
  Tensor operator()(const Tensor& x, std::source_location loc = std::source_location::current()) const;

  /// {kernel, bias}: what a tape differentiates and an optimizer updates.
  std::vector<Variable*> variables();

  /// The weight matrix, (in, out).
  Variable& kernel() { return *kernel_; }
  /// The bias, (out,).
  Variable& bias() { return *bias_; }
  /// The weight matrix, (in, out).
  const Variable& kernel() const { return *kernel_; }
  /// The bias, (out,).
  const Variable& bias() const { return *bias_; }
  /// The input width.
  int64_t in_features() const { return kernel_->shape()[0]; }
  /// The output width.
  int64_t out_features() const { return kernel_->shape()[1]; }
  /// The activation applied after the affine map.
  Activation activation() const { return activation_; }
  /// The prefix of its variables' names.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Activation activation_;
  std::unique_ptr<Variable> kernel_, bias_;
};

/// Dense layers of sizes[0] -> sizes[1] -> ... -> sizes.back(): `hidden` after every layer
/// but the last, which has no activation (it returns logits). Layer i is seeded from
/// (seed, i), so two MLPs of one seed are identical and different seeds share no layer.
class MLP {
 public:
  /// Layers of the given widths (at least two sizes); layer i is named "<name>/dense<i>".
  MLP(std::vector<int64_t> sizes, uint64_t seed, Activation hidden = Activation::relu,
      DType dtype = DType::f32, std::string name = "mlp");

  /// x (..., sizes[0]) -> logits (..., sizes.back()).
  Tensor operator()(const Tensor& x, std::source_location loc = std::source_location::current()) const;

  /// Every layer's {kernel, bias}, first layer first.
  std::vector<Variable*> variables();

  /// The layers, first first.
  std::vector<Dense>& layers() { return layers_; }
  /// The layers, first first.
  const std::vector<Dense>& layers() const { return layers_; }

 private:
  std::vector<Dense> layers_;
};

namespace nn {

/// Inverted dropout (PyTorch's nn.Dropout, Keras' Dropout): when `training`, each element
/// is zeroed with probability `rate` — a new mask at every call, eager or compiled, drawn
/// from `gen` — and the others scaled by 1 / (1 - rate); otherwise x itself. The gradient
/// passes through the kept elements only, scaled alike. rate in [0, 1] (1 gives zeros);
/// x floating, of any shape (dynamic sizes too).
Tensor dropout(const Tensor& x, double rate, Generator& gen, bool training = true,
               std::source_location loc = std::source_location::current());

/// Binary cross-entropy per element from logits, stable for any logit (PyTorch's
/// BCEWithLogitsLoss without the reduction): softplus(x) - x * z = max(x, 0) - x z +
/// log1p(e^-|x|). Targets z in [0, 1], broadcast against the logits; take the mean yourself.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        std::source_location loc = std::source_location::current());
/// Binary cross-entropy per element from probabilities p: -(z log p + (1 - z) log(1 - p)),
/// each log clamped below at -100 as PyTorch's BCELoss (p = 0 or 1 gives 100, not inf).
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets,
                            std::source_location loc = std::source_location::current());

}  // namespace nn

}  // namespace kiln
