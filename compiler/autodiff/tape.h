// The tapes behind kiln::GradientTape, as op functions, variables and control flow see
// them. Recording costs one thread-local load while no tape lives on the thread.
//
// A tape is a list of nodes in the order ops ran, which is also a topological order; the
// gradient walks it backwards. Tensors are identified by their TensorImpl; the tape keeps
// every recorded tensor alive, so an address cannot be reused while the tape lives.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/ops/attrs.h"
#include "compiler/trace/variable_state.h"
#include "kiln/tensor.h"
#include "runtime/op_list.h"

namespace kiln::detail {

/// Gradients of a node's inputs given its outputs' gradients, for nodes that are not one
/// op of the op list (a traced cond, an opaque call). Returns one tensor per input (undefined:
/// none) followed by one per variable of the node.
using CustomVjp = std::function<std::vector<Tensor>(const std::vector<Tensor>& output_grads)>;

struct TapeNode {
  enum class Kind { op, variable_read, custom };
  Kind kind = Kind::op;
  OpId op{};
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
  Attrs attrs;
  std::shared_ptr<VariableState> variable;                // variable_read
  std::vector<std::shared_ptr<VariableState>> variables;  // custom: variables read inside
  CustomVjp vjp;                                          // custom
  std::string name;                                       // custom: for errors
};

struct TapeState {
  bool persistent = false;
  bool used = false;
  int paused = 0;  // > 0 while this tape computes a gradient
  std::vector<TapeNode> nodes;
  std::unordered_set<const TensorImpl*> tracked;
  std::vector<Tensor> watched;  // keeps watched tensors (and so their addresses) alive

  bool is_tracked(const Tensor& t) const { return t.defined() && tracked.count(t.impl().get()); }
  void track(const Tensor& t);
};

/// Tapes recording on this thread (innermost last).
std::vector<TapeState*>& active_tapes();
/// Starts and stops recording on `tape` (GradientTape's constructor and destructor).
void push_tape(TapeState* tape);
void pop_tape(TapeState* tape);
extern thread_local int recording_tapes;  // active and unpaused tapes on this thread

inline bool taping() { return recording_tapes > 0; }

/// Records op `op_name` (an op-list name) on every recording tape that tracks an input.
void record(std::string_view op_name, const std::vector<const Tensor*>& inputs, const Attrs& attrs,
            const std::vector<Tensor>& outputs);
inline void record1(std::string_view op_name, const std::vector<const Tensor*>& inputs,
                    const Attrs& attrs, const Tensor& output) {
  if (taping()) record(op_name, inputs, attrs, {output});
}

/// A variable read while tapes record: returns a fresh handle to `value` that the tapes
/// know as a read of `v` (variables are watched by default).
Tensor record_variable_read(const std::shared_ptr<VariableState>& v, const Tensor& value);

/// Hides every tape of this thread while it lives: a trace or a compiled plan runs unseen.
class TapeSuspension {
 public:
  TapeSuspension();
  ~TapeSuspension();
  TapeSuspension(const TapeSuspension&) = delete;
  TapeSuspension& operator=(const TapeSuspension&) = delete;

 private:
  std::vector<TapeState*> saved_;
  int saved_recording_;
};

/// Region ops (traced cond, while_loop, for_range): the ops traced inside a region are
/// recorded like any other, then folded into one custom node of the region op.
struct TapeMark {
  std::vector<std::pair<TapeState*, size_t>> tapes;  // recording tapes and their sizes
};
TapeMark tape_mark();
/// Drops what each tape recorded since `mark` (a region traced, then not used).
void discard_since(const TapeMark& mark);
/// Folds what each tape recorded since `mark` into one node with outputs `results`.
/// `yielded` are the tensors the region's bodies returned (an outer tensor returned as is
/// is an input too). `make_vjp` builds the node's gradient from the node's inputs (outer
/// tracked tensors) and variables.
using MakeRegionVjp = std::function<CustomVjp(const std::vector<Tensor>& inputs,
                                              const std::vector<std::shared_ptr<VariableState>>&)>;
void fold_region(const TapeMark& mark, const std::string& name, const std::vector<Tensor>& yielded,
                 const std::vector<Tensor>& results, const MakeRegionVjp& make_vjp);

/// Whether record_custom would record such a node on some tape (so that its gradient is
/// worth making): a floating output, and a tracked input or a floating variable.
bool would_record(const std::vector<Tensor>& inputs,
                  const std::vector<std::shared_ptr<VariableState>>& variables,
                  const std::vector<Tensor>& outputs);

/// Records a node with its own gradient `vjp` (one tensor per input, then per variable) on
/// every recording tape that tracks an input or where `variables` has a floating one
/// (variables are watched by default): a compiled call, differentiated by its own graph.
void record_custom(const std::string& name, const std::vector<Tensor>& inputs,
                   const std::vector<std::shared_ptr<VariableState>>& variables,
                   const std::vector<Tensor>& outputs, CustomVjp vjp);

/// Runs `fn` under a tape watching `inputs` and returns the gradients of its floating
/// results (with upstream `output_grads`, one per result) for `inputs` then `variables`,
/// zeros where unconnected: how a traced cond branch and a compiled call differentiate.
std::vector<Tensor> differentiate(const std::function<std::vector<Tensor>()>& fn,
                                  const std::vector<Tensor>& output_grads,
                                  const std::vector<Tensor>& inputs,
                                  const std::vector<std::shared_ptr<VariableState>>& variables);

/// The gradients of `targets` (with upstream gradients `target_grads`, undefined: ones)
/// with respect to `sources` and `variables` recorded on `tape`, zeros where unconnected.
/// Returns the sources' gradients followed by the variables'.
std::vector<Tensor> tape_gradient(TapeState& tape, const std::vector<Tensor>& targets,
                                  const std::vector<Tensor>& target_grads,
                                  const std::vector<Tensor>& sources,
                                  const std::vector<std::shared_ptr<VariableState>>& variables);

}  // namespace kiln::detail
