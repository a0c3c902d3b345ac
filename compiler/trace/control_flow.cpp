// cond, while_loop, for_range: run directly in eager mode; become kiln.cond,
// kiln.while_loop and kiln.for_range while tracing.
#include "kiln/control_flow.h"
#include "compiler/ops/op_support.h"
#include "compiler/autodiff/tape.h"
#include "compiler/trace/trace.h"
#include "kiln/ops.h"

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

// Past this many iterations a traced for_range is not unrolled for a tape.
constexpr int64_t kMaxUnrolledIterations = 4096;

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
  // Under a tape, a traced loop whose trip count is known is unrolled so that its
  // gradient is the ordinary one; eagerly the loop runs (and records) directly.
  const bool unroll =
      tracing() && taping() && !is_symbolic(n) && n.item<int64_t>() <= kMaxUnrolledIterations;
  if (tracing() && !unroll) {
    TapeMark mark = tape_mark();
    std::vector<Tensor> results =
        trace_for(n.dtype() == DType::i64 ? n : cast(n, DType::i64), body, init, loc);
    if (!mark.tapes.empty())
      fold_region(mark, "for_range", init, results,
                  refuse("[GradientTape] a traced for_range whose trip count is a graph value "
                         "(or above " +
                         std::to_string(kMaxUnrolledIterations) +
                         ") does not support reverse-mode differentiation (for_range at " +
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
