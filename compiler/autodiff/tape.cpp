// Recording on tapes and reverse accumulation (kiln::GradientTape).
#include "compiler/autodiff/tape.h"

#include <algorithm>
#include <string_view>

#include "compiler/autodiff/gradients.h"
#include "kiln/autodiff.h"
#include "kiln/error.h"
#include "kiln/ops.h"
#include "runtime/op_frame.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

thread_local int recording_tapes = 0;

std::vector<TapeState*>& active_tapes() {
  thread_local std::vector<TapeState*> tapes;
  return tapes;
}

void push_tape(TapeState* tape) {
  active_tapes().push_back(tape);
  if (tape->paused == 0) ++recording_tapes;
}

void pop_tape(TapeState* tape) {
  auto& tapes = active_tapes();
  auto it = std::find(tapes.begin(), tapes.end(), tape);
  if (it == tapes.end()) return;
  tapes.erase(it);
  if (tape->paused == 0) --recording_tapes;
}

void TapeState::track(const Tensor& t) {
  if (t.defined() && is_floating(t.dtype())) tracked.insert(t.impl().get());
}

namespace {

bool recording(const TapeState& tape) { return tape.paused == 0; }

OpId op_id(std::string_view name) {
  if (std::optional<OpId> id = find_op(name)) return *id;
  throw Error("[GradientTape] internal error: '" + std::string(name) + "' is not an op");
}

bool any_floating(const std::vector<Tensor>& ts) {
  return std::any_of(ts.begin(), ts.end(),
                     [](const Tensor& t) { return t.defined() && is_floating(t.dtype()); });
}

void accumulate(std::unordered_map<const TensorImpl*, Tensor>& grads, const Tensor& x,
                const Tensor& g) {
  auto [it, inserted] = grads.emplace(x.impl().get(), g);
  if (!inserted) it->second = it->second + g;
}

/// The gradients of a node's inputs (then its variables, for custom nodes).
std::vector<Tensor> node_vjp(const TapeNode& node, const std::vector<Tensor>& output_grads,
                             const std::vector<bool>& needed) {
  if (node.kind == TapeNode::Kind::custom) return node.vjp(output_grads);
  const GradientRule& rule = gradient_rule(node.op);
  if (!rule.vjp) return {};
  VjpArgs args{node.inputs, node.outputs, node.attrs, output_grads, needed};
  return rule.vjp(args);
}

class Pause {
 public:
  explicit Pause(TapeState& tape) : tape_(tape) {
    if (tape_.paused++ == 0 && is_active()) --recording_tapes;
  }
  ~Pause() {
    if (--tape_.paused == 0 && is_active()) ++recording_tapes;
  }

 private:
  bool is_active() const {
    auto& tapes = active_tapes();
    return std::find(tapes.begin(), tapes.end(), &tape_) != tapes.end();
  }
  TapeState& tape_;
};

}  // namespace

void record(std::string_view op_name, const std::vector<const Tensor*>& inputs, const Attrs& attrs,
            const std::vector<Tensor>& outputs) {
  if (!any_floating(outputs)) return;  // integer and boolean results carry no gradient
  bool resolved = false;
  OpId id{};
  for (TapeState* tape : active_tapes()) {
    if (!recording(*tape)) continue;
    bool connected = false;
    for (const Tensor* in : inputs) connected = connected || tape->is_tracked(*in);
    if (!connected) continue;
    if (!resolved) {
      id = op_id(op_name);
      resolved = true;
    }
    if (!gradient_rule(id).vjp) continue;
    TapeNode node;
    node.op = id;
    for (const Tensor* in : inputs) node.inputs.push_back(*in);
    node.outputs = outputs;
    node.attrs = attrs;
    for (const Tensor& o : outputs) tape->track(o);
    tape->nodes.push_back(std::move(node));
  }
}

Tensor record_variable_read(const std::shared_ptr<VariableState>& v, const Tensor& value) {
  if (!taping() || !is_floating(value.dtype())) return value;
  // A fresh handle per read: reads stay distinct from each other and from the tensor that
  // was assigned (whose history must not receive the variable's gradient).
  Tensor read = value.impl()->symbolic() ? value : view(value, value.shape());
  for (TapeState* tape : active_tapes()) {
    if (!recording(*tape)) continue;
    TapeNode node;
    node.kind = TapeNode::Kind::variable_read;
    node.variable = v;
    node.outputs = {read};
    tape->track(read);
    tape->nodes.push_back(std::move(node));
  }
  return read;
}

TapeSuspension::TapeSuspension()
    : saved_(std::move(active_tapes())), saved_recording_(recording_tapes) {
  active_tapes().clear();
  recording_tapes = 0;
}

TapeSuspension::~TapeSuspension() {
  active_tapes() = std::move(saved_);
  recording_tapes = saved_recording_;
}

TapeMark tape_mark() {
  TapeMark mark;
  for (TapeState* tape : active_tapes())
    if (recording(*tape)) mark.tapes.emplace_back(tape, tape->nodes.size());
  return mark;
}

void discard_since(const TapeMark& mark) {
  for (auto [tape, size] : mark.tapes) {
    for (size_t i = size; i < tape->nodes.size(); ++i)
      for (const Tensor& out : tape->nodes[i].outputs) tape->tracked.erase(out.impl().get());
    tape->nodes.resize(size);
  }
}

void fold_region(const TapeMark& mark, const std::string& name, const std::vector<Tensor>& yielded,
                 const std::vector<Tensor>& results, const MakeRegionVjp& make_vjp) {
  for (auto [tape, size] : mark.tapes) {
    // Inner values: what the region's ops produced. Inputs: tracked tensors from outside
    // that inner ops used or the bodies returned as they were.
    std::unordered_set<const TensorImpl*> inner;
    std::unordered_set<const TensorImpl*> seen;
    std::vector<Tensor> inputs;
    std::vector<std::shared_ptr<VariableState>> variables;
    auto consider = [&](const Tensor& t) {
      if (!t.defined() || inner.count(t.impl().get()) || !tape->is_tracked(t)) return;
      if (seen.insert(t.impl().get()).second) inputs.push_back(t);
    };
    for (size_t i = size; i < tape->nodes.size(); ++i) {
      TapeNode& node = tape->nodes[i];
      for (const Tensor& in : node.inputs) consider(in);
      if (node.kind == TapeNode::Kind::variable_read &&
          std::find(variables.begin(), variables.end(), node.variable) == variables.end())
        variables.push_back(node.variable);
      for (const std::shared_ptr<VariableState>& v : node.variables)
        if (std::find(variables.begin(), variables.end(), v) == variables.end())
          variables.push_back(v);
      for (const Tensor& out : node.outputs) inner.insert(out.impl().get());
    }
    for (const Tensor& y : yielded) consider(y);
    for (size_t i = size; i < tape->nodes.size(); ++i)
      for (const Tensor& out : tape->nodes[i].outputs) tape->tracked.erase(out.impl().get());
    tape->nodes.resize(size);
    if (inputs.empty() && variables.empty()) continue;  // the region reads nothing tracked
    TapeNode node;
    node.kind = TapeNode::Kind::custom;
    node.name = name;
    node.inputs = inputs;
    node.outputs = results;
    node.variables = variables;
    node.vjp = make_vjp(inputs, variables);
    for (const Tensor& r : results) tape->track(r);
    tape->nodes.push_back(std::move(node));
  }
}

bool would_record(const std::vector<Tensor>& inputs,
                  const std::vector<std::shared_ptr<VariableState>>& variables,
                  const std::vector<Tensor>& outputs) {
  if (!taping() || !any_floating(outputs)) return false;
  if (std::any_of(variables.begin(), variables.end(),
                  [](const auto& v) { return is_floating(v->dtype); }))
    return true;
  for (TapeState* tape : active_tapes())
    if (recording(*tape) && std::any_of(inputs.begin(), inputs.end(),
                                        [&](const Tensor& t) { return tape->is_tracked(t); }))
      return true;
  return false;
}

void record_custom(const std::string& name, const std::vector<Tensor>& inputs,
                   const std::vector<std::shared_ptr<VariableState>>& variables,
                   const std::vector<Tensor>& outputs, CustomVjp vjp) {
  if (!taping() || !any_floating(outputs)) return;
  const bool reads_floating_variable = std::any_of(
      variables.begin(), variables.end(), [](const auto& v) { return is_floating(v->dtype); });
  for (TapeState* tape : active_tapes()) {
    if (!recording(*tape)) continue;
    if (!reads_floating_variable &&
        std::none_of(inputs.begin(), inputs.end(),
                     [&](const Tensor& t) { return tape->is_tracked(t); }))
      continue;
    TapeNode node;
    node.kind = TapeNode::Kind::custom;
    node.name = name;
    node.inputs = inputs;
    node.outputs = outputs;
    node.variables = variables;
    node.vjp = vjp;
    for (const Tensor& r : outputs) tape->track(r);
    tape->nodes.push_back(std::move(node));
  }
}

std::vector<Tensor> differentiate(const std::function<std::vector<Tensor>()>& fn,
                                  const std::vector<Tensor>& output_grads,
                                  const std::vector<Tensor>& inputs,
                                  const std::vector<std::shared_ptr<VariableState>>& variables) {
  TapeState tape;
  push_tape(&tape);
  std::vector<Tensor> outs;
  try {
    for (const Tensor& x : inputs) tape.track(x);
    outs = fn();
  } catch (...) {
    pop_tape(&tape);
    throw;
  }
  pop_tape(&tape);
  std::vector<Tensor> targets, grads;
  for (size_t i = 0; i < outs.size() && i < output_grads.size(); ++i)
    if (outs[i].defined() && is_floating(outs[i].dtype())) {
      targets.push_back(outs[i]);
      grads.push_back(output_grads[i]);
    }
  return tape_gradient(tape, targets, grads, inputs, variables);
}

std::vector<Tensor> tape_gradient(TapeState& tape, const std::vector<Tensor>& targets,
                                  const std::vector<Tensor>& target_grads,
                                  const std::vector<Tensor>& sources,
                                  const std::vector<std::shared_ptr<VariableState>>& variables) {
  if (tape.used && !tape.persistent)
    throw Error(
        "[GradientTape] gradient was already asked of this tape; a non-persistent tape "
        "answers once (create it with GradientTape(/*persistent=*/true) to ask again)");
  tape.used = true;
  Pause pause(tape);  // the gradient's own ops are recorded by the other tapes only

  std::unordered_map<const TensorImpl*, Tensor> grads;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Tensor& t = targets[i];
    if (!t.defined()) throw Error("[GradientTape] the target is an undefined tensor");
    if (!is_floating(t.dtype()))
      throw Error("[GradientTape] the target must be floating, not " +
                  std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()));
    Tensor g =
        i < target_grads.size() && target_grads[i].defined() ? target_grads[i] : full_like(t, 1);
    accumulate(grads, t, g);
  }
  // Sources keep their gradient when the walk passes their producer.
  std::unordered_set<const TensorImpl*> keep;
  for (const Tensor& s : sources)
    if (s.defined()) keep.insert(s.impl().get());
  std::unordered_map<const VariableState*, Tensor> variable_grads;
  auto add_variable_grad = [&](const std::shared_ptr<VariableState>& v, const Tensor& g) {
    auto [it, inserted] = variable_grads.emplace(v.get(), g);
    if (!inserted) it->second = it->second + g;
  };

  for (size_t n = tape.nodes.size(); n-- > 0;) {
    const TapeNode& node = tape.nodes[n];
    std::vector<Tensor> output_grads;
    bool any = false;
    for (const Tensor& out : node.outputs) {
      auto it = grads.find(out.impl().get());
      if (it != grads.end()) {
        output_grads.push_back(it->second);
        any = true;
        if (!keep.count(out.impl().get())) grads.erase(it);
      } else {
        output_grads.push_back(Tensor());
      }
    }
    if (!any) continue;
    if (node.kind == TapeNode::Kind::variable_read) {
      add_variable_grad(node.variable, output_grads[0]);
      continue;
    }
    for (size_t i = 0; i < output_grads.size(); ++i)
      if (!output_grads[i].defined()) output_grads[i] = zeros_like(node.outputs[i]);
    std::vector<bool> needed;
    for (const Tensor& in : node.inputs) needed.push_back(tape.is_tracked(in));
    std::vector<Tensor> input_grads = node_vjp(node, output_grads, needed);
    for (size_t i = 0; i < node.inputs.size() && i < input_grads.size(); ++i)
      if (needed[i] && input_grads[i].defined()) accumulate(grads, node.inputs[i], input_grads[i]);
    for (size_t v = 0; v < node.variables.size(); ++v) {
      size_t at = node.inputs.size() + v;
      if (at < input_grads.size() && input_grads[at].defined())
        add_variable_grad(node.variables[v], input_grads[at]);
    }
  }

  std::vector<Tensor> result;
  for (const Tensor& s : sources) {
    if (!s.defined()) throw Error("[GradientTape] a source is an undefined tensor");
    auto it = grads.find(s.impl().get());
    result.push_back(it != grads.end() && is_floating(s.dtype()) ? it->second : zeros_like(s));
  }
  for (const auto& v : variables) {
    auto it = variable_grads.find(v.get());
    result.push_back(it != variable_grads.end() && is_floating(v->dtype)
                         ? it->second
                         : zeros(v->shape, v->dtype, v->read().device()));
  }
  return result;
}

}  // namespace kiln::detail

namespace kiln {

GradientTape::GradientTape(bool persistent) : state_(std::make_unique<detail::TapeState>()) {
  state_->persistent = persistent;
  detail::push_tape(state_.get());
}

GradientTape::~GradientTape() { detail::pop_tape(state_.get()); }

void GradientTape::watch(const Tensor& t) {
  if (!t.defined()) throw Error("[GradientTape.watch] cannot watch an undefined tensor");
  if (!is_floating(t.dtype())) return;  // integers carry no gradient; theirs is zeros
  state_->track(t);
  state_->watched.push_back(t);
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target,
                                           const std::vector<Variable*>& sources,
                                           std::source_location loc) {
  runtime::UserCall call(loc);
  std::vector<std::shared_ptr<detail::VariableState>> variables;
  for (Variable* v : sources) {
    if (!v) throw Error("[GradientTape.gradient] a source variable is null");
    variables.push_back(v->state());
  }
  return detail::tape_gradient(*state_, {target}, {}, {}, variables);
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Tensor>& sources,
                                           std::source_location loc) {
  runtime::UserCall call(loc);
  return detail::tape_gradient(*state_, {target}, {}, sources, {});
}

bool GradientTape::persistent() const { return state_->persistent; }

}  // namespace kiln
