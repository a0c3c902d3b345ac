// kiln::SGD and kiln::Adam: written in the public op set and Variable writes only, so one
// implementation serves eager calls and traced training steps.
#include "kiln/optimizers.h"

#include <cmath>
#include <set>

#include "kiln/error.h"
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
      create_slots(vars);
    } catch (const Error& e) {
      slots_.clear();  // all or nothing: a later apply tries again from scratch
      throw Error("[" + name_ + "] creating its slot variables on the first apply: " + e.what());
    }
    for (Variable* v : vars) {
      bound_.push_back(v->state());
      bound_names_.push_back(v->name());
    }
    built_ = true;
  }
  update(grads, vars);
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
  slots_.push_back(std::make_unique<Variable>(std::move(initial), name));
  return *slots_.back();
}

// ---- SGD ---------------------------------------------------------------------------------

SGD::SGD(double lr, double momentum) : Optimizer("SGD", lr), momentum_(momentum) {
  require(std::isfinite(momentum) && momentum >= 0 && momentum <= 1, "SGD",
          "momentum must be in [0, 1], got " + std::to_string(momentum));
}

void SGD::create_slots(const std::vector<Variable*>& vars) {
  velocity_.clear();
  if (momentum_ == 0) return;  // plain SGD keeps no state
  for (Variable* v : vars) velocity_.push_back(&add_slot(*v, "momentum"));
}

void SGD::update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars) {
  for (size_t i = 0; i < vars.size(); ++i) {
    if (momentum_ == 0) {
      vars[i]->assign_sub(grads[i] * learning_rate());
      continue;
    }
    Tensor m = velocity_[i]->value() * momentum_ - grads[i] * learning_rate();
    velocity_[i]->assign(m);
    vars[i]->assign_add(m);
  }
}

// ---- Adam --------------------------------------------------------------------------------

Adam::Adam(double lr, double beta1, double beta2, double eps)
    : Optimizer("Adam", lr), beta1_(beta1), beta2_(beta2), eps_(eps) {
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
  // f64 counts exactly to 2^53 steps, and pow needs a floating exponent anyway.
  step_ = &add_slot(Tensor::scalar<double>(0, vars.empty() ? Device{} : vars.front()->device()), "adam/step");
  for (Variable* var : vars) {
    m_.push_back(&add_slot(*var, "adam_m"));
    v_.push_back(&add_slot(*var, "adam_v"));
  }
}

void Adam::update(const std::vector<Tensor>& grads, const std::vector<Variable*>& vars) {
  Tensor t = step_->value() + 1.0;
  step_->assign(t);
  // From the step variable, not a host counter: a compiled step must see the count of
  // the call it runs in, not the one it was traced in.
  Tensor lr_t = sqrt(1.0 - pow(beta2_, t)) * learning_rate() / (1.0 - pow(beta1_, t));
  for (size_t i = 0; i < vars.size(); ++i) {
    const Tensor& g = grads[i];
    Tensor m = m_[i]->value() * beta1_ + g * (1 - beta1_);
    Tensor v = v_[i]->value() * beta2_ + g * g * (1 - beta2_);
    m_[i]->assign(m);
    v_[i]->assign(v);
    Tensor alpha = vars[i]->dtype() == DType::f64 ? lr_t : cast(lr_t, vars[i]->dtype());
    vars[i]->assign_sub(m * alpha / (sqrt(v) + eps_));
  }
}

}  // namespace kiln
