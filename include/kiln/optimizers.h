/// \file
/// Optimizers: kiln::SGD and kiln::Adam, with tf.keras' update rules.
///
/// \code
/// kiln::Adam opt(1e-3);
/// auto step = kiln::function([&](Tensor x, Tensor labels) {
///   kiln::GradientTape tape;
///   Tensor loss = mean(softmax_cross_entropy(model(x), labels));
///   opt.apply(tape.gradient(loss, model.variables()), model.variables());
///   return loss;
/// });
/// \endcode
///
/// `apply` writes each variable with assign/assign_sub, so it works eagerly and inside a
/// kiln::function, where the writes become graph effects that happen at every call.
///
/// State ("slots": SGD's momentum, Adam's m, v and step count) lives in Variables that the
/// first `apply` creates, one set per variable of that call's list; later calls must pass
/// the same variables in the same order. Inside a kiln::function, creating variables is
/// allowed on the function's first trace only (as in tf.function): make the first `apply`
/// happen eagerly or in the first trace of the first function that uses the optimizer, not
/// in a retrace.
///
/// The learning rate is a variable ("<optimizer>/learning_rate", f64), read by a compiled
/// step at every call: `opt.set_learning_rate(x)` changes it without a retrace and keeps the
/// slots. Or it is a schedule of the step, written in kiln ops (kiln::schedules), which a
/// compiled step evaluates at every call from the optimizer's iteration count
/// ("<optimizer>/iterations", f64, the applies done so far). The other hyperparameters
/// (momentum, betas, epsilon) are constants of a traced graph.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln {

namespace detail {
struct PendingRestore;  // compiler/nn/pending_restore.h
}

/// A learning rate as a function of the step: given the number of applies done before this
/// one (an f64 scalar tensor, 0 at the first), an f64 scalar tensor. Written in kiln ops, it
/// traces into a compiled step like any code (see kiln::schedules).
using LearningRateSchedule = std::function<Tensor(const Tensor& step)>;

/// What SGD and Adam share: the checks of `apply` and the slot bookkeeping.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  /// Moves the slots and the bookkeeping (an optimizer is not copied: its slots are one).
  Optimizer(Optimizer&&) noexcept;
  /// Moves the slots and the bookkeeping.
  Optimizer& operator=(Optimizer&&) noexcept;

  /// Updates vars[i] with grads[i]. Every gradient must be defined and have its variable's
  /// dtype and shape; variables must be floating. A bad call throws kiln::Error naming the
  /// optimizer and the variable, before anything is written.
  void apply(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
             std::source_location loc = std::source_location::current());

  /// The optimizer's own variables (empty before the first apply).
  std::vector<Variable*> variables();
  /// "SGD" or "Adam": the prefix of its variables' names.
  const std::string& name() const { return name_; }

  /// The rate the next apply uses (for a schedule, computed now from the iteration count).
  /// Read it outside traced functions.
  double learning_rate() const;
  /// Sets the rate for later applies, compiled steps included (a variable write: no
  /// retrace, slots kept). Refused (kiln::Error) for an optimizer built on a schedule, and
  /// for a rate that is negative or not finite.
  void set_learning_rate(double lr);
  /// The applies done so far, as a variable (nullptr before the first apply).
  const Variable* iterations() const { return iterations_; }

  /// Whether its variables exist (after the first apply).
  bool built() const { return built_; }
  /// Internal (kiln::Checkpoint): values for its variables, by name, that the first apply
  /// creates them with (restore-on-create), checked against their dtypes and shapes then.
  void restore_on_create(std::shared_ptr<detail::PendingRestore> pending);

 protected:
  /// An optimizer with a constant rate (changeable with set_learning_rate).
  Optimizer(std::string name, double lr);
  /// An optimizer whose rate follows a schedule of the step.
  Optimizer(std::string name, LearningRateSchedule schedule);

  /// Makes a slot for `var`: zeros of its dtype and shape, named "<var>/<suffix>".
  Variable& add_slot(const Variable& var, const std::string& suffix);
  /// A slot of another dtype and shape (Adam's step count).
  Variable& add_slot(Tensor initial, const std::string& name);

  /// Called once, on the first apply, after the checks.
  virtual void create_slots(const std::vector<Variable*>& vars) = 0;
  /// Called on every apply, after the checks (and create_slots), with this apply's
  /// learning rate and step (1 at the first apply), f64 scalars.
  virtual void update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
                      const Tensor& lr, const Tensor& step) = 0;

 private:
  void check(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars) const;
  /// After a restore_on_create: every slot created took a restored value and every value
  /// found its slot (kiln::Error naming them otherwise).
  void check_restored_slots() const;

  std::string name_;
  double lr_;  // the constant rate (mirrors lr_var_ once it exists)
  LearningRateSchedule schedule_;
  Variable* lr_var_ = nullptr;      // owned by slots_; null with a schedule
  Variable* iterations_ = nullptr;  // owned by slots_
  bool built_ = false;
  /// The variables of the first apply, by identity (weak: the optimizer does not keep a
  /// dropped model's weights alive; a dropped one no longer matches).
  std::vector<std::weak_ptr<detail::VariableState>> bound_;
  std::vector<std::string> bound_names_;
  std::vector<std::unique_ptr<Variable>> slots_;
  std::shared_ptr<detail::PendingRestore> pending_;  // restore_on_create's, until taken
};

/// Stochastic gradient descent, tf.keras.optimizers.SGD:
/// \code
/// momentum == 0: var -= lr * g
/// otherwise:     m = momentum * m - lr * g; var += m   (m starts at zero)
/// \endcode
class SGD : public Optimizer {
 public:
  /// A constant rate; momentum in [0, 1].
  explicit SGD(double lr, double momentum = 0);
  /// A scheduled rate; momentum in [0, 1].
  explicit SGD(LearningRateSchedule lr, double momentum = 0);
  /// The momentum coefficient (0: plain SGD).
  double momentum() const { return momentum_; }

 private:
  void create_slots(const std::vector<Variable*>& vars) override;
  void update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
              const Tensor& lr, const Tensor& step) override;

  double momentum_;
  std::vector<Variable*> velocity_;  // owned by Optimizer's slots
};

/// Adam, tf.keras.optimizers.Adam (Kingma & Ba, with epsilon outside the square root):
/// \code
/// t += 1
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g^2
/// lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
/// var -= lr_t * m / (sqrt(v) + eps)
/// \endcode
/// t is the iteration count ("Adam/iterations", f64) and the bias correction is computed
/// from it with kiln ops (in f64, then cast to each variable's dtype), so a compiled step
/// counts.
class Adam : public Optimizer {
 public:
  /// A constant rate; betas in [0, 1), eps >= 0 (Keras' defaults).
  explicit Adam(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-7);
  /// A scheduled rate; as above otherwise.
  explicit Adam(LearningRateSchedule lr, double beta1 = 0.9, double beta2 = 0.999,
                double eps = 1e-7);
  /// The first moment's decay.
  double beta1() const { return beta1_; }
  /// The second moment's decay.
  double beta2() const { return beta2_; }
  /// The denominator's epsilon (outside the square root).
  double epsilon() const { return eps_; }
  /// The step count variable, iterations() (nullptr before the first apply).
  const Variable* step() const { return iterations(); }

 private:
  void check_hyperparameters() const;
  void create_slots(const std::vector<Variable*>& vars) override;
  void update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
              const Tensor& lr, const Tensor& step) override;

  double beta1_, beta2_, eps_;
  std::vector<Variable*> m_, v_;
};

/// Learning-rate schedules, as tf.keras.optimizers.schedules: each maps the step (applies
/// done before this one) to a rate with kiln ops, so compiled steps follow it.
namespace schedules {

/// initial * rate^(step / decay_steps) (the exponent floored when `staircase`).
LearningRateSchedule exponential_decay(double initial, double decay_steps, double decay_rate,
                                       bool staircase = false);
/// Cosine decay from `initial` to initial * alpha over decay_steps, then flat:
/// initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha).
LearningRateSchedule cosine_decay(double initial, double decay_steps, double alpha = 0);
/// values[i] while boundaries[i-1] <= step < boundaries[i] (values has one more entry).
LearningRateSchedule piecewise_constant(std::vector<double> boundaries, std::vector<double> values);
/// Linear warmup from 0 over warmup_steps, then `after` (of the steps past the warmup).
LearningRateSchedule linear_warmup(double warmup_steps, LearningRateSchedule after);

}  // namespace schedules

}  // namespace kiln
