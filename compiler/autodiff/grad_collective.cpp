// Gradients of the collectives (kiln/distributed.h), written with collectives: each rank's
// loss is a term of one total loss summed over the ranks, so a value every rank reads sends
// every rank's cotangent back. Every rank differentiates the same program, so the backward
// collectives match across ranks as the forward ones do.
#include "compiler/autodiff/gradients.h"
#include "compiler/distributed/collectives.h"
#include "kiln/distributed.h"
#include "kiln/ops.h"

namespace kiln::detail {
namespace {

namespace dist = kiln::distributed;
using Grads = std::vector<Tensor>;

dist::Group group_of(const VjpArgs& a) { return distributed::group_named(a.attrs.str("group")); }

/// y = op over ranks r of x_r. sum: dx = sum over ranks of g; mean: that over the ranks;
/// max and min: to the ranks' elements equal to y, split evenly between ties (as the max
/// reduction's gradient).
Grads all_reduce_vjp(const VjpArgs& a) {
  const dist::Group group = group_of(a);
  const dist::ReduceOp op = distributed::parse_reduce(a.attrs.str("reduce"));
  const Tensor& g = a.grads[0];
  if (op == dist::ReduceOp::sum || op == dist::ReduceOp::mean)
    return {dist::all_reduce(g, op, group)};
  const Tensor& x = a.inputs[0];
  Tensor hit = cast(equal(x, a.outputs[0]), x.dtype());
  Tensor ties = dist::all_reduce(hit, dist::ReduceOp::sum, group);
  return {hit * (dist::all_reduce(g, dist::ReduceOp::sum, group) / ties)};
}

/// y = the ranks' x stacked along axis 0: this rank's x is block `rank` of every rank's y,
/// so dx = block `rank` of the sum over ranks of g.
Grads all_gather_vjp(const VjpArgs& a) {
  const dist::Group group = group_of(a);
  const Tensor& x = a.inputs[0];
  Tensor total = dist::all_reduce(a.grads[0], dist::ReduceOp::sum, group);
  Tensor rows = reshape(total, {static_cast<int64_t>(group.size()), -1});
  Tensor mine = gather(rows, Tensor::scalar<int64_t>(group.rank()), 0);
  return {reshape_like(mine, x)};
}

/// y = x of the root on every rank: the root's dx is the sum over ranks of g, the others'
/// zero (every rank takes part in the sum).
Grads collective_broadcast_vjp(const VjpArgs& a) {
  const dist::Group group = group_of(a);
  Tensor total = dist::all_reduce(a.grads[0], dist::ReduceOp::sum, group);
  if (group.rank() == a.attrs.i64("root")) return {total};
  return {zeros_like(a.inputs[0])};
}

}  // namespace

const GradientRule grad_all_reduce{all_reduce_vjp};
const GradientRule grad_all_gather{all_gather_vjp};
const GradientRule grad_collective_broadcast{collective_broadcast_vjp};

}  // namespace kiln::detail
