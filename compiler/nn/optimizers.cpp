// kiln::SGD and kiln::Adam: written in the public op set and Variable writes only, so one
// implementation serves eager calls and traced training steps.
#include "kiln/optimizers.h"

#include <cmath>
#include <numbers>
#include <string>
#include <set>

#include "compiler/nn/pending_restore.h"
#include "kiln/error.h"
#include "kiln/function.h"
#include "kiln/ops.h"
#include "runtime/op_frame.h"

namespace kiln {

namespace {

std::string describe(DType dtype, const Shape& shape) {
  return std::string(dtype_name(dtype)) + " " + shape_str(shape);
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out = "(";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out + ")";
}

void require(bool ok, const std::string& optimizer, const std::string& what) {
  if (!ok) throw Error("[" + optimizer + "] " + what);
}

}  // namespace

// ---- Optimizer ---------------------------------------------------------------------------

Optimizer::Optimizer(std::string name, double lr) : name_(std::move(name)), lr_(lr) {
  require(std::isfinite(lr) && lr >= 0, name_,
          "the learning rate must be finite and >= 0, got " + std::to_string(lr));
}

Optimizer::Optimizer(std::string name, LearningRateSchedule schedule)
    : name_(std::move(name)), lr_(0), schedule_(std::move(schedule)) {
  require(static_cast<bool>(schedule_), name_, "the learning-rate schedule is empty");
}

double Optimizer::learning_rate() const {
  // The variable, once it exists, is the truth (a checkpoint restore assigns it); while a
  // function traces it has no value to read, and lr_ mirrors it.
  if (!schedule_)
    return lr_var_ != nullptr && !detail::FunctionBase::tracing() ? lr_var_->value().item<double>()
                                                                  : lr_;
  Tensor step = iterations_ != nullptr ? iterations_->value() : Tensor::scalar<double>(0);
  return cast(schedule_(step), DType::f64).item<double>();
}

void Optimizer::set_learning_rate(double lr) {
  require(!schedule_, name_,
          "set_learning_rate: this optimizer's learning rate follows a schedule");
  require(std::isfinite(lr) && lr >= 0, name_,
          "the learning rate must be finite and >= 0, got " + std::to_string(lr));
  if (lr_var_ != nullptr) lr_var_->assign(full({}, lr, DType::f64, lr_var_->device()));
  lr_ = lr;
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

void Optimizer::check(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars) const {
  require(grads.size() == vars.size(), name_,
          std::to_string(grads.size()) + " gradients for " + std::to_string(vars.size()) +
              " variables");
  std::set<const detail::VariableState*> seen;
  for (size_t i = 0; i < vars.size(); ++i) {
    require(vars[i] != nullptr, name_, "variable " + std::to_string(i) + " is a null pointer");
    const Variable& var = *vars[i];
    std::string which = "variable " + std::to_string(i) + " '" + var.name() + "'";
    require(seen.insert(var.state().get()).second, name_, which + " appears twice in the list");
    require(is_floating(var.dtype()), name_,
            which + " is " + describe(var.dtype(), var.shape()) +
                ": only floating variables can be trained");
    const Tensor& g = grads[i];
    require(g.defined(), name_, "the gradient for " + which + " is an undefined tensor");
    require(g.dtype() == var.dtype() && g.shape() == var.shape(), name_,
            "the gradient for " + which + " is " + describe(g.dtype(), g.shape()) +
                "; the variable is " + describe(var.dtype(), var.shape()));
  }
  if (!built_) return;
  bool same = bound_.size() == vars.size();
  for (size_t i = 0; same && i < vars.size(); ++i) same = bound_[i].lock() == vars[i]->state();
  if (!same) {
    std::vector<std::string> names;
    for (Variable* v : vars) names.push_back(v->name());
    require(false, name_,
            "apply was first called with the variables " + name_list(bound_names_) +
                " and now with " + name_list(names) +
                ": the slots belong to the first list; use one optimizer per variable list");
  }
}

void Optimizer::apply(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
                      std::source_location loc) {
  runtime::UserCall call(loc);
  check(grads, vars);
  if (!built_) {
    try {
      // f64 counts exactly to 2^53 steps, and pow needs a floating exponent anyway.
      const Device device = vars.empty() ? Device{} : vars.front()->device();
      iterations_ = &add_slot(full({}, 0, DType::f64, device), name_ + "/iterations");
      if (!schedule_)
        lr_var_ = &add_slot(full({}, lr_, DType::f64, device), name_ + "/learning_rate");
      create_slots(vars);
      check_restored_slots();
    } catch (const Error& e) {
      iterations_ = lr_var_ = nullptr;
      slots_.clear();  // all or nothing: a later apply tries again from scratch
      throw Error("[" + name_ + "] creating its slot variables on the first apply: " + e.what());
    }
    for (Variable* v : vars) {
      bound_.push_back(v->state());
      bound_names_.push_back(v->name());
    }
    built_ = true;
    if (pending_ != nullptr) {  // restored values are taken once the slots all exist
      pending_->values.clear();
      pending_.reset();
      if (lr_var_ != nullptr && !detail::FunctionBase::tracing())
        lr_ = lr_var_->value().item<double>();
    }
  }
  // The rate of this apply: the schedule at the applies done so far, or the variable (both
  // read at every call of a compiled step).
  Tensor before = iterations_->value();
  Tensor lr = schedule_ ? cast(schedule_(before), DType::f64) : lr_var_->value();
  Tensor step = before + 1.0;
  iterations_->assign(step);
  update(grads, vars, lr, step);
}

std::vector<Variable*> Optimizer::variables() {
  std::vector<Variable*> out;
  for (auto& slot : slots_) out.push_back(slot.get());
  return out;
}

Variable& Optimizer::add_slot(const Variable& var, const std::string& suffix) {
  return add_slot(zeros(var.shape(), var.dtype(), var.device()), var.name() + "/" + suffix);
}

Variable& Optimizer::add_slot(Tensor initial, const std::string& name) {
  if (pending_ != nullptr)
    if (auto it = pending_->values.find(name); it != pending_->values.end()) {
      const Tensor& restored = it->second;
      if (restored.dtype() != initial.dtype() || restored.shape() != initial.shape().vec())
        throw Error("restoring '" + pending_->group + "/" + name + "' from '" + pending_->file +
                    "': the checkpoint holds " + describe(restored.dtype(), restored.shape()) +
                    ", the variable is " + describe(initial.dtype(), initial.shape()));
      initial = restored.to(initial.device());
    }
  slots_.push_back(std::make_unique<Variable>(std::move(initial), name));
  return *slots_.back();
}

void Optimizer::check_restored_slots() const {
  if (pending_ == nullptr || pending_->values.empty()) return;
  // A restored optimizer resumes exactly or not at all: every slot takes a value and every
  // value a slot (a checkpoint of another model's optimizer fails here, naming them).
  std::set<std::string> slot_names;
  std::vector<std::string> without_value, without_slot;
  for (const auto& slot : slots_) {
    slot_names.insert(slot->name());
    if (!pending_->values.count(slot->name())) without_value.push_back(slot->name());
  }
  for (const auto& [name, value] : pending_->values)
    if (!slot_names.count(name)) without_slot.push_back(name);
  if (without_value.empty() && without_slot.empty()) return;
  std::string message = "the checkpoint '" + pending_->file + "' restored into it (group '" +
                        pending_->group + "') does not match its variables:";
  if (!without_value.empty()) message += " no value for " + name_list(without_value);
  if (!without_slot.empty())
    message += std::string(without_value.empty() ? "" : ";") + " values for no variable " +
               name_list(without_slot);
  throw Error(message);
}

void Optimizer::restore_on_create(std::shared_ptr<detail::PendingRestore> pending) {
  require(!built_, name_, "restore_on_create after the first apply: its variables exist");
  pending_ = std::move(pending);
}

// ---- SGD ---------------------------------------------------------------------------------

namespace {
void check_momentum(double momentum) {
  require(std::isfinite(momentum) && momentum >= 0 && momentum <= 1, "SGD",
          "momentum must be in [0, 1], got " + std::to_string(momentum));
}
/// The f64 rate in a variable's dtype.
Tensor rate_for(const Tensor& lr, const Variable& var) {
  return var.dtype() == DType::f64 ? lr : cast(lr, var.dtype());
}
}  // namespace

SGD::SGD(double lr, double momentum) : Optimizer("SGD", lr), momentum_(momentum) {
  check_momentum(momentum);
}
SGD::SGD(LearningRateSchedule lr, double momentum)
    : Optimizer("SGD", std::move(lr)), momentum_(momentum) {
  check_momentum(momentum);
}

void SGD::create_slots(const std::vector<Variable*>& vars) {
  velocity_.clear();
  if (momentum_ == 0) return;  // plain SGD keeps no state
  for (Variable* v : vars) velocity_.push_back(&add_slot(*v, "momentum"));
}

void SGD::update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
                 const Tensor& lr, const Tensor&) {
  for (size_t i = 0; i < vars.size(); ++i) {
    const Tensor alpha = rate_for(lr, *vars[i]);
    if (momentum_ == 0) {
      vars[i]->assign_sub(grads[i] * alpha);
      continue;
    }
    Tensor m = velocity_[i]->value() * momentum_ - grads[i] * alpha;
    velocity_[i]->assign(m);
    vars[i]->assign_add(m);
  }
}

// ---- Adam --------------------------------------------------------------------------------

Adam::Adam(double lr, double beta1, double beta2, double eps)
    : Optimizer("Adam", lr), beta1_(beta1), beta2_(beta2), eps_(eps) {
  check_hyperparameters();
}
Adam::Adam(LearningRateSchedule lr, double beta1, double beta2, double eps)
    : Optimizer("Adam", std::move(lr)), beta1_(beta1), beta2_(beta2), eps_(eps) {
  check_hyperparameters();
}

void Adam::check_hyperparameters() const {
  const double beta1 = beta1_, beta2 = beta2_, eps = eps_;
  // beta < 1 keeps the bias correction 1 - beta^t away from zero.
  require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam",
          "beta1 and beta2 must be in [0, 1), got " + std::to_string(beta1) + " and " +
              std::to_string(beta2));
  require(std::isfinite(eps) && eps >= 0, "Adam",
          "epsilon must be finite and >= 0, got " + std::to_string(eps));
}

void Adam::create_slots(const std::vector<Variable*>& vars) {
  m_.clear();
  v_.clear();
  for (Variable* var : vars) {
    m_.push_back(&add_slot(*var, "adam_m"));
    v_.push_back(&add_slot(*var, "adam_v"));
  }
}

void Adam::update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars,
                  const Tensor& lr, const Tensor& t) {
  // From the iteration variable, not a host counter: a compiled step must see the count
  // of the call it runs in, not the one it was traced in.
  Tensor lr_t = sqrt(1.0 - pow(beta2_, t)) * lr / (1.0 - pow(beta1_, t));
  for (size_t i = 0; i < vars.size(); ++i) {
    const Tensor& g = grads[i];
    Tensor m = m_[i]->value() * beta1_ + g * (1 - beta1_);
    Tensor v = v_[i]->value() * beta2_ + g * g * (1 - beta2_);
    m_[i]->assign(m);
    v_[i]->assign(v);
    Tensor alpha = rate_for(lr_t, *vars[i]);
    vars[i]->assign_sub(m * alpha / (sqrt(v) + eps_));
  }
}

// ---- schedules ---------------------------------------------------------------------------

namespace schedules {

namespace {
void positive(double v, const char* schedule, const char* what) {
  require(std::isfinite(v) && v > 0, schedule,
          std::string(what) + " must be finite and > 0, got " + std::to_string(v));
}
void rate(double v, const char* schedule) {
  require(std::isfinite(v) && v >= 0, schedule,
          "the learning rate must be finite and >= 0, got " + std::to_string(v));
}
}  // namespace

LearningRateSchedule exponential_decay(double initial, double decay_steps, double decay_rate,
                                       bool staircase) {
  rate(initial, "exponential_decay");
  positive(decay_steps, "exponential_decay", "decay_steps");
  positive(decay_rate, "exponential_decay", "decay_rate");
  return [=](const Tensor& step) {
    Tensor p = cast(step, DType::f64) / decay_steps;
    if (staircase) p = cast(cast(p, DType::i64), DType::f64);  // floor: p >= 0
    return pow(decay_rate, p) * initial;
  };
}

LearningRateSchedule cosine_decay(double initial, double decay_steps, double alpha) {
  rate(initial, "cosine_decay");
  positive(decay_steps, "cosine_decay", "decay_steps");
  require(std::isfinite(alpha) && alpha >= 0 && alpha <= 1, "cosine_decay",
          "alpha must be in [0, 1], got " + std::to_string(alpha));
  return [=](const Tensor& step) {
    Tensor done = minimum(cast(step, DType::f64), decay_steps) / decay_steps;
    Tensor cosine = (cos(done * std::numbers::pi) + 1.0) * 0.5;
    return (cosine * (1 - alpha) + alpha) * initial;
  };
}

LearningRateSchedule piecewise_constant(std::vector<double> boundaries,
                                        std::vector<double> values) {
  require(values.size() == boundaries.size() + 1, "piecewise_constant",
          "needs one more value than boundaries, got " + std::to_string(values.size()) +
              " values and " + std::to_string(boundaries.size()) + " boundaries");
  for (size_t i = 0; i < boundaries.size(); ++i)
    require(std::isfinite(boundaries[i]) && (i == 0 || boundaries[i - 1] < boundaries[i]),
            "piecewise_constant", "boundaries must be finite and increasing");
  for (double v : values) rate(v, "piecewise_constant");
  return [boundaries = std::move(boundaries), values = std::move(values)](const Tensor& step) {
    Tensor s = cast(step, DType::f64);
    Tensor out = full({}, values.back(), DType::f64, s.device());
    for (size_t i = boundaries.size(); i-- > 0;)
      out = where(less(s, boundaries[i]), full({}, values[i], DType::f64, s.device()), out);
    return out;
  };
}

LearningRateSchedule linear_warmup(double warmup_steps, LearningRateSchedule after) {
  positive(warmup_steps, "linear_warmup", "warmup_steps");
  require(static_cast<bool>(after), "linear_warmup", "the schedule after the warmup is empty");
  return [warmup_steps, after = std::move(after)](const Tensor& step) {
    Tensor s = cast(step, DType::f64);
    Tensor past = maximum(s - warmup_steps, 0.0);
    Tensor then = cast(after(past), DType::f64);
    return where(less(s, warmup_steps), then * (s / warmup_steps), then);
  };
}

}  // namespace schedules

}  // namespace kiln
