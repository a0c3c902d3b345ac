// cond, while_loop, for_range: run directly in eager mode; become kiln.cond,
// kiln.while_loop and kiln.for_range while tracing.
#include "kiln/control_flow.h"

#include <algorithm>
#include <optional>

#include "compiler/autodiff/gradients.h"
#include "compiler/autodiff/tape.h"
#include "compiler/ops/op_support.h"
#include "compiler/trace/trace.h"
#include "kiln/ops.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

bool host_predicate(const Tensor& pred, const char* op, const std::source_location& loc) {
  CallSite site{op, &loc};
  check_operands(site, {&pred});
  if (pred.dtype() != DType::boolean || pred.numel() != 1)
    throw_op_error(site, "the predicate must be a boolean tensor with one element", {&pred});
  return pred.item<bool>();
}

void check_carried(const std::vector<Tensor>& before, const std::vector<Tensor>& after,
                   const char* op, const std::source_location& loc) {
  CallSite site{op, &loc};
  if (before.size() != after.size())
    throw_op_error(site,
                   "the body returned " + std::to_string(after.size()) + " tensors for " +
                       std::to_string(before.size()) + " carried ones",
                   {});
  for (size_t i = 0; i < before.size(); ++i)
    if (!after[i].defined() || after[i].dtype() != before[i].dtype() ||
        after[i].shape() != before[i].shape())
      throw_op_error(site,
                     "carried value " + std::to_string(i) + " changed from " + describe(before[i]) +
                         " to " + describe(after[i]),
                     {});
}

/// A region node whose gradient refuses reverse mode.
MakeRegionVjp refuse(const std::string& message) {
  return [message](const std::vector<Tensor>&, const std::vector<std::shared_ptr<VariableState>>&) {
    return CustomVjp(
        [message](const std::vector<Tensor>&) -> std::vector<Tensor> { throw Error(message); });
  };
}

// Past this many iterations a traced for_range over values of dynamic shape, or with a body
// that writes state, is not unrolled for a tape (the others stay loops: taped_for_range).
constexpr int64_t kMaxUnrolledIterations = 4096;

/// A traced for_range under a tape with a trip count known while tracing: it stays one
/// loop, so its trace and compile time do not grow with the count. The forward loop also
/// writes the carried values each iteration starts from into stacks, one (count, ...)
/// tensor per carried value (updated in place: kiln.index_update). The reverse pass is a
/// second loop over the iterations backwards: it takes iteration i's carried values from
/// the stacks, runs the body on them again under a tape of its own (what the body makes
/// inside is recomputed, not stored, as jax.checkpoint does) and carries the gradients of
/// the carried values, of the outer tensors the body reads and of its variables. That body
/// is traced when the forward loop is folded on the tape, while the user's body still
/// lives; the loop is made from it if a gradient asks.
/// Returns nothing when the body writes state (a variable, a Generator draw, a print):
/// re-running it in the reverse pass would write twice and draw other numbers, so the
/// caller unrolls such a loop instead.
std::optional<std::vector<Tensor>> taped_for_range(int64_t count, const RangeBody& body,
                                                   const std::vector<Tensor>& init,
                                                   std::source_location loc) {
  const size_t m = init.size();
  std::vector<rules::TensorType> carried_types;
  std::vector<Tensor> extended = init;
  for (const Tensor& c : init) {
    carried_types.push_back(type_of(c));
    Shape stack = shape_of(c);
    stack.insert(stack.begin(), count);
    // A constant of the graph (a captured buffer when large): the first iteration copies it.
    extended.push_back(zeros(stack, c.dtype(), c.device()));
  }
  TapeMark mark = tape_mark();
  std::vector<Tensor> returned;  // what the user's body returned: outer tensors are inputs
  std::vector<rules::TensorType> extended_types;
  for (const Tensor& e : extended) extended_types.push_back(type_of(e));
  TracedRangeBody forward(
      extended_types,
      [&](const Tensor& i, const std::vector<Tensor>& a) {
        const std::vector<Tensor> carried(a.begin(), a.begin() + static_cast<ptrdiff_t>(m));
        std::vector<Tensor> next = body(i, carried);
        check_carried(carried, next, "for_range", loc);
        returned = next;
        for (size_t k = 0; k < m; ++k) next.push_back(index_update(a[m + k], i, carried[k]));
        return next;
      },
      loc);
  if (forward.has_effects()) {
    discard_since(mark);  // what the body's ops recorded: the loop is not made
    return std::nullopt;
  }
  std::vector<Tensor> all = forward.loop(Tensor::scalar<int64_t>(count), extended, /*last=*/true);
  const std::vector<Tensor> results(all.begin(), all.begin() + static_cast<ptrdiff_t>(m));
  const std::vector<Tensor> stacks(all.begin() + static_cast<ptrdiff_t>(m), all.end());
  std::vector<Tensor> yielded = init;
  yielded.insert(yielded.end(), returned.begin(), returned.end());

  fold_region(mark, "for_range", yielded, results,
              [=](const std::vector<Tensor>& inputs,
                  const std::vector<std::shared_ptr<VariableState>>& variables) {
                // The reverse body, traced now with every tape hidden (its own tape records it).
                // Carried: the gradients of the floating carried values, then the sums so far of
                // the inputs' and the floating variables' gradients.
                TapeSuspension hidden;
                std::vector<size_t> floating;  // carried values with a gradient
                std::vector<rules::TensorType> types;
                for (size_t k = 0; k < m; ++k)
                  if (is_floating(carried_types[k].dtype)) {
                    floating.push_back(k);
                    types.push_back(carried_types[k]);
                  }
                for (const Tensor& x : inputs) types.push_back(type_of(x));
                std::vector<size_t> floating_vars;
                for (size_t v = 0; v < variables.size(); ++v)
                  if (is_floating(variables[v]->dtype)) {
                    floating_vars.push_back(v);
                    types.push_back({variables[v]->dtype, variables[v]->shape});
                  }
                const size_t f = floating.size();
                auto reverse = std::make_shared<TracedRangeBody>(
                    types,
                    [&](const Tensor& j, const std::vector<Tensor>& a) {
                      const Tensor i = Tensor::scalar<int64_t>(count - 1) - j;
                      std::vector<Tensor> carried, upstream(m);
                      for (size_t k = 0; k < m; ++k) carried.push_back(gather(stacks[k], i, 0));
                      for (size_t k = 0; k < f; ++k) upstream[floating[k]] = a[k];
                      std::vector<Tensor> wrt = carried;
                      wrt.insert(wrt.end(), inputs.begin(), inputs.end());
                      std::vector<std::shared_ptr<VariableState>> vars;
                      for (size_t v : floating_vars) vars.push_back(variables[v]);
                      std::vector<Tensor> g = differentiate(
                          [&] {
                            std::vector<Tensor> next = body(i, carried);
                            check_carried(carried, next, "for_range", loc);
                            return next;
                          },
                          upstream, wrt, vars);
                      std::vector<Tensor> next;
                      for (size_t k : floating) next.push_back(g[k]);
                      for (size_t x = 0; x < inputs.size() + vars.size(); ++x)
                        next.push_back(a[f + x] + g[m + x]);
                      return next;
                    },
                    loc);
                return CustomVjp([=](const std::vector<Tensor>& output_grads) {
                  std::vector<Tensor> init_grads;
                  for (size_t k : floating) init_grads.push_back(output_grads[k]);
                  for (const Tensor& x : inputs)
                    init_grads.push_back(broadcast_like(zeros({}, x.dtype(), x.device()), x));
                  for (size_t v : floating_vars)
                    init_grads.push_back(
                        zeros(variables[v]->shape, variables[v]->dtype, results[0].device()));
                  std::vector<Tensor> sums =
                      reverse->loop(Tensor::scalar<int64_t>(count), init_grads);
                  // A tape recording this gradient (for a gradient of it) gets a node that refuses:
                  // the reverse loop was traced with the tapes hidden.
                  std::vector<Tensor> read = init_grads;
                  read.insert(read.end(), inputs.begin(), inputs.end());
                  record_custom("for_range gradient", read, variables, sums,
                                [loc](const std::vector<Tensor>&) -> std::vector<Tensor> {
                                  throw Error(
                                      "[GradientTape] a gradient of a gradient through a traced "
                                      "for_range is not supported (for_range at " +
                                      std::string(loc.file_name()) + ":" +
                                      std::to_string(loc.line()) + ")");
                                });
                  // An input's gradient: what the body's reads of it gathered, plus, where it was
                  // an initial carried value, the gradient of that value before the first
                  // iteration.
                  std::vector<Tensor> grads;
                  for (size_t x = 0; x < inputs.size(); ++x) {
                    Tensor g = sums[f + x];
                    for (size_t k = 0; k < f; ++k)
                      if (init[floating[k]].impl() == inputs[x].impl()) g = g + sums[k];
                    grads.push_back(g);
                  }
                  std::vector<Tensor> var_grads(variables.size());
                  for (size_t v = 0; v < floating_vars.size(); ++v)
                    var_grads[floating_vars[v]] = sums[f + inputs.size() + v];
                  grads.insert(grads.end(), var_grads.begin(), var_grads.end());
                  return grads;
                });
              });
  return results;
}

}  // namespace

std::vector<Tensor> cond_impl(const Tensor& pred, const Branch& then_fn, const Branch& else_fn,
                              std::source_location loc) {
  if (!is_symbolic(pred)) return host_predicate(pred, "cond", loc) ? then_fn() : else_fn();
  if (!taping()) return trace_cond(pred, then_fn, else_fn, loc);
  // Traced under a tape: the branches' ops fold into one node whose gradient is a
  // kiln.cond of the branches' gradients (each branch re-run under its own tape).
  TapeMark mark = tape_mark();
  std::vector<Tensor> yielded;
  auto keep = [&yielded](const Branch& fn) {
    return Branch([&yielded, &fn] {
      std::vector<Tensor> r = fn();
      yielded.insert(yielded.end(), r.begin(), r.end());
      return r;
    });
  };
  std::vector<Tensor> results = trace_cond(pred, keep(then_fn), keep(else_fn), loc);
  if (!results.empty() && made_by_stateful_region(results.front())) {
    // Its gradient would re-run the branches: a second write, other random numbers.
    fold_region(mark, "cond", yielded, results,
                refuse("[GradientTape] a traced cond whose branches write variables, draw from "
                       "a Generator or print does not support reverse-mode differentiation "
                       "(cond at " +
                       std::string(loc.file_name()) + ":" + std::to_string(loc.line()) +
                       "): draw before the cond and select with kiln::where"));
    return results;
  }
  fold_region(
      mark, "cond", yielded, results,
      [pred, then_fn, else_fn, loc](const std::vector<Tensor>& inputs,
                                    const std::vector<std::shared_ptr<VariableState>>& vars) {
        return CustomVjp([=](const std::vector<Tensor>& output_grads) {
          return cond_impl(
              pred, [&] { return differentiate(then_fn, output_grads, inputs, vars); },
              [&] { return differentiate(else_fn, output_grads, inputs, vars); }, loc);
        });
      });
  return results;
}

std::vector<Tensor> while_loop_impl(const LoopCond& cond, const LoopBody& body,
                                    std::vector<Tensor> init, std::source_location loc) {
  if (tracing()) {
    TapeMark mark = tape_mark();
    std::vector<Tensor> results = trace_while(cond, body, init, loc);
    if (!mark.tapes.empty())
      fold_region(mark, "while_loop", init, results,
                  refuse("[GradientTape] a traced while_loop does not support reverse-mode "
                         "differentiation (while_loop at " +
                         std::string(loc.file_name()) + ":" + std::to_string(loc.line()) +
                         "); use for_range with a trip count known while tracing"));
    return results;
  }
  std::vector<Tensor> carried = std::move(init);
  while (host_predicate(cond(carried), "while_loop", loc)) {
    std::vector<Tensor> next = body(carried);
    check_carried(carried, next, "while_loop", loc);
    carried = std::move(next);
  }
  return carried;
}

std::vector<Tensor> for_range_impl(const Tensor& n, const RangeBody& body, std::vector<Tensor> init,
                                   std::source_location loc) {
  CallSite site{"for_range", &loc};
  check_operands(site, {&n});
  if (!is_integer(n.dtype()) || n.rank() != 0)
    throw_op_error(site, "the trip count must be an integer scalar tensor", {&n});
  // Under a tape, a traced loop whose trip count is known stays a loop with a loop for its
  // reverse pass (over values of dynamic shape, it is unrolled); eagerly the loop runs
  // (and records) directly.
  const bool known = tracing() && taping() && !is_symbolic(n);
  if (known && std::none_of(init.begin(), init.end(), has_dynamic_dims))
    if (auto results = taped_for_range(n.item<int64_t>(), body, init, loc)) return *results;
  const bool unroll = known && n.item<int64_t>() <= kMaxUnrolledIterations;
  if (tracing() && !unroll) {
    TapeMark mark = tape_mark();
    std::vector<Tensor> results =
        trace_for(n.dtype() == DType::i64 ? n : cast(n, DType::i64), body, init, loc);
    if (!mark.tapes.empty())
      fold_region(mark, "for_range", init, results,
                  refuse("[GradientTape] a traced for_range whose trip count is a graph value "
                         "(or above " +
                         std::to_string(kMaxUnrolledIterations) +
                         " over values of dynamic shape, or whose body writes variables, draws "
                         "from a Generator or prints) does not support reverse-mode "
                         "differentiation (for_range at " +
                         std::string(loc.file_name()) + ":" + std::to_string(loc.line()) +
                         "); pass a host integer count"));
    return results;
  }
  const int64_t count = n.item<int64_t>();
  std::vector<Tensor> carried = std::move(init);
  for (int64_t i = 0; i < count; ++i) {
    std::vector<Tensor> next;
    {
      runtime::UserCode user;  // the body's ops are the user's, not for_range's
      next = body(Tensor::scalar<int64_t>(i), carried);
    }
    check_carried(carried, next, "for_range", loc);
    carried = std::move(next);
  }
  return carried;
}

Tensor range_count(int64_t n) { return Tensor::scalar<int64_t>(n); }

}  // namespace kiln::detail
