// kiln::Variable: eager reads and writes, or graph reads and effects while tracing.
#include <atomic>

#include "compiler/autodiff/tape.h"
#include "compiler/trace/trace.h"
#include "compiler/trace/variable_state.h"
#include "kiln/error.h"
#include "kiln/ops.h"
#include "kiln/variable.h"
#include "runtime/op_frame.h"

namespace kiln {
namespace detail {

void check_assignable(const VariableState& v, const Tensor& t, const char* op) {
  std::string where = std::string("[") + op + "] variable '" + v.name + "' ";
  if (!t.defined()) throw Error(where + "cannot take an undefined tensor");
  if (t.dtype() != v.dtype || t.shape() != v.shape)
    throw Error(where + "is " + std::string(dtype_name(v.dtype)) + " " + shape_str(v.shape) +
                "; cannot assign " + std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()));
}

}  // namespace detail

namespace {
std::atomic<uint64_t> next_variable_id{1};
}

Variable::Variable(Tensor initial, std::string name, std::source_location loc) {
  auto refuse = [&](const std::string& what) {
    throw Error("[Variable] the initial value of variable" +
                (name.empty() ? std::string() : " '" + name + "'") + what + " (at " +
                runtime::file_line(loc) + ")");
  };
  if (!initial.defined()) refuse(" is an undefined tensor");
  if (detail::is_symbolic(initial)) refuse(" must be a concrete tensor, not one computed while tracing");
  detail::check_variable_creation(name.empty() ? "(unnamed)" : name, initial, loc);
  state_ = std::make_shared<detail::VariableState>();
  state_->id = next_variable_id++;
  state_->named = !name.empty();
  state_->name = name.empty() ? "variable" + std::to_string(state_->id) : std::move(name);
  state_->dtype = initial.dtype();
  state_->shape = initial.shape();
  state_->value = std::move(initial);
}

Variable::~Variable() = default;

Tensor Variable::value() const {
  Tensor v = detail::tracing() ? detail::trace_read_variable(state_) : state_->read();
  return detail::taping() ? detail::record_variable_read(state_, v) : v;
}

void Variable::assign(const Tensor& value) {
  if (value.defined() && (detail::tracing() || detail::is_symbolic(value))) {
    detail::check_assignable(*state_, value, "assign");
    detail::trace_assign_variable(state_, value);
    return;
  }
  detail::check_assignable(*state_, value, "assign");
  state_->write(value);
}

void Variable::assign_add(const Tensor& delta) { assign(value() + delta); }
void Variable::assign_sub(const Tensor& delta) { assign(value() - delta); }

DType Variable::dtype() const { return state_->dtype; }
const Shape& Variable::shape() const { return state_->shape; }
const std::string& Variable::name() const { return state_->name; }
Device Variable::device() const { return state_->read().device(); }

}  // namespace kiln
