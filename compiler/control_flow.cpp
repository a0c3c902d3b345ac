// cond, while_loop, for_range: run directly in eager mode; become kiln.cond,
// kiln.while_loop and kiln.for_range while tracing.
#include "compiler/op_support.h"
#include "compiler/trace.h"
#include "kiln/control_flow.h"
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
    throw_op_error(site, "the body returned " + std::to_string(after.size()) + " tensors for " +
                             std::to_string(before.size()) + " carried ones", {});
  for (size_t i = 0; i < before.size(); ++i)
    if (!after[i].defined() || after[i].dtype() != before[i].dtype() ||
        after[i].shape() != before[i].shape())
      throw_op_error(site, "carried value " + std::to_string(i) + " changed from " +
                               describe(before[i]) + " to " + describe(after[i]), {});
}

}  // namespace

std::vector<Tensor> cond_impl(const Tensor& pred, const Branch& then_fn, const Branch& else_fn,
                              std::source_location loc) {
  if (is_symbolic(pred)) return trace_cond(pred, then_fn, else_fn, loc);
  return host_predicate(pred, "cond", loc) ? then_fn() : else_fn();
}

std::vector<Tensor> while_loop_impl(const LoopCond& cond, const LoopBody& body,
                                    std::vector<Tensor> init, std::source_location loc) {
  if (tracing()) return trace_while(cond, body, init, loc);
  std::vector<Tensor> carried = std::move(init);
  while (host_predicate(cond(carried), "while_loop", loc)) {
    std::vector<Tensor> next = body(carried);
    check_carried(carried, next, "while_loop", loc);
    carried = std::move(next);
  }
  return carried;
}

std::vector<Tensor> for_range_impl(const Tensor& n, const RangeBody& body,
                                   std::vector<Tensor> init, std::source_location loc) {
  CallSite site{"for_range", &loc};
  check_operands(site, {&n});
  if (!is_integer(n.dtype()) || n.rank() != 0)
    throw_op_error(site, "the trip count must be an integer scalar tensor", {&n});
  if (tracing()) return trace_for(n.dtype() == DType::i64 ? n : cast(n, DType::i64), body, init, loc);
  const int64_t count = n.item<int64_t>();
  std::vector<Tensor> carried = std::move(init);
  for (int64_t i = 0; i < count; ++i) {
    std::vector<Tensor> next = body(Tensor::scalar<int64_t>(i), carried);
    check_carried(carried, next, "for_range", loc);
    carried = std::move(next);
  }
  return carried;
}

Tensor range_count(int64_t n) { return Tensor::scalar<int64_t>(n); }

}  // namespace kiln::detail
