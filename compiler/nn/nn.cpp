// kiln::Dense and kiln::MLP: written in the public op set only, so they trace, and a tape
// differentiates them, like user code.
#include "kiln/nn.h"

#include <cmath>

#include "kiln/error.h"
#include "kiln/ops.h"
#include "runtime/op_frame.h"

namespace kiln {

namespace {

// splitmix64: layer seeds that do not overlap across nearby user seeds (seed + i would
// make MLP(seed 1)'s second layer MLP(seed 2)'s first).
uint64_t derive_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::string_view activation_name(Activation activation) {
  switch (activation) {
    case Activation::none:
      return "none";
    case Activation::relu:
      return "relu";
    case Activation::tanh:
      return "tanh";
    case Activation::gelu:
      return "gelu";
  }
  return "?";
}

namespace {
/// The user's line of this call: `loc`, or the user's call that led here from kiln's code.
const std::source_location& user_line(const std::source_location& loc) {
  const std::source_location* user = runtime::UserCall::innermost();
  return user != nullptr ? *user : loc;
}
}  // namespace

Tensor activate(const Tensor& x, Activation activation, std::source_location loc) {
  runtime::UserCall call(loc);
  switch (activation) {
    case Activation::none:
      return x;
    case Activation::relu:
      return relu(x);
    case Activation::tanh:
      return tanh(x);
    case Activation::gelu:
      return gelu(x);
  }
  throw Error("[activate] unknown activation " + std::to_string(static_cast<int>(activation)));
}

Dense::Dense(int64_t in_features, int64_t out_features, uint64_t seed, Activation activation,
             DType dtype, std::string name)
    : name_(std::move(name)), activation_(activation) {
  if (in_features <= 0 || out_features <= 0)
    throw Error("[Dense] '" + name_ + "': sizes must be positive, got " +
                std::to_string(in_features) + " -> " + std::to_string(out_features));
  if (!is_floating(dtype))
    throw Error("[Dense] '" + name_ + "': dtype must be f32 or f64, got " +
                std::string(dtype_name(dtype)));
  // Glorot/Xavier uniform (Keras' default kernel initializer): keeps the activations'
  // variance about constant from layer to layer in both directions.
  double limit = std::sqrt(6.0 / static_cast<double>(in_features + out_features));
  kernel_ = std::make_unique<Variable>(
      random_uniform({in_features, out_features}, seed, static_cast<float>(-limit),
                     static_cast<float>(limit), dtype),
      name_ + "/kernel");
  bias_ = std::make_unique<Variable>(zeros({out_features}, dtype), name_ + "/bias");
}

Tensor Dense::operator()(const Tensor& x, std::source_location loc) const {
  runtime::UserCall call(loc);
  // matmul would refuse a bad input too; this names the layer, which is what a user
  // looks for in a model of several.
  if (!x.defined() || x.rank() < 2 || x.shape().back() != in_features() ||
      x.dtype() != kernel_->dtype())
    throw Error("[Dense] '" + name_ + "' takes " + std::string(dtype_name(kernel_->dtype())) +
                " (..., " + std::to_string(in_features()) + ") inputs, got " +
                (x.defined() ? std::string(dtype_name(x.dtype())) + " " + shape_str(x.shape())
                             : std::string("an undefined tensor")) +
                " (at " + runtime::file_line(user_line(loc)) + ")");
  return activate(matmul(x, kernel_->value()) + bias_->value(), activation_);
}

std::vector<Variable*> Dense::variables() { return {kernel_.get(), bias_.get()}; }

MLP::MLP(std::vector<int64_t> sizes, uint64_t seed, Activation hidden, DType dtype,
         std::string name) {
  if (sizes.size() < 2)
    throw Error("[MLP] '" + name + "': needs at least two sizes (inputs and outputs), got " +
                std::to_string(sizes.size()));
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    bool last = i + 2 == sizes.size();
    layers_.emplace_back(sizes[i], sizes[i + 1], derive_seed(seed, i),
                         last ? Activation::none : hidden, dtype,
                         name + "/dense" + std::to_string(i));
  }
}

Tensor MLP::operator()(const Tensor& x, std::source_location loc) const {
  runtime::UserCall call(loc);
  Tensor h = x;
  for (const Dense& layer : layers_) h = layer(h);
  return h;
}

std::vector<Variable*> MLP::variables() {
  std::vector<Variable*> out;
  for (Dense& layer : layers_)
    for (Variable* v : layer.variables()) out.push_back(v);
  return out;
}

// ---- nn:: functions ----------------------------------------------------------------------

namespace nn {

namespace {
/// Throws "[op] what (at the user's line)": the op's frame is the outermost one.
[[noreturn]] void refuse(const char* op, const std::string& what) {
  throw Error(runtime::op_message(op, what));
}
std::string describe(const Tensor& x) {
  return std::string(dtype_name(x.dtype())) + " " + shape_str(x.shape());
}
}  // namespace

Tensor dropout(const Tensor& x, double rate, Generator& gen, bool training,
               std::source_location loc) {
  runtime::OpFrame frame("dropout", &loc);  // errors of the ops below name dropout and loc
  if (!x.defined()) refuse("dropout", "x is an undefined tensor");
  if (!(rate >= 0 && rate <= 1))
    refuse("dropout", "rate must be in [0, 1], got " + std::to_string(rate));
  if (!is_floating(x.dtype()))
    refuse("dropout", "x must be floating, got " + describe(x));
  if (!training || rate == 0) return x;
  if (rate == 1) return zeros_like(x);
  // keep where u >= rate, u uniform in [0, 1) on a 2^-24 grid: P(keep) = 1 - rate to 6e-8.
  Tensor keep = gen.uniform_like(x) >= static_cast<float>(rate);
  if (x.device() != Device{}) keep = keep.to(x.device());
  return where(keep, x * (1.0 / (1.0 - rate)), zeros({}, x.dtype(), x.device()));
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        std::source_location loc) {
  runtime::OpFrame frame("binary_cross_entropy_with_logits", &loc);
  return softplus(logits) - logits * targets;
}

Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets, std::source_location loc) {
  runtime::OpFrame frame("binary_cross_entropy", &loc);
  Tensor log_p = maximum(log(probs), -100);
  Tensor log_q = maximum(log1p(-probs), -100);
  return -(targets * log_p + (1 - targets) * log_q);
}

}  // namespace nn

}  // namespace kiln
