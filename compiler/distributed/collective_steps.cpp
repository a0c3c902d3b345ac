// The plan's collective steps (collective_steps.h): each op's group is found once, when the
// plan is built (and must have the size the function was traced with); each run hands the
// operand to the communication thread, which runs the eager collective under the traced
// op's name and line, so its errors name them.
#include "compiler/distributed/collective_steps.h"

#include <future>
#include <memory>
#include <optional>
#include <source_location>

#include "compiler/distributed/collectives.h"
#include "compiler/distributed/comm_thread.h"
#include "ir/KilnOps.h"
#include "kiln/error.h"

namespace kiln::detail {
namespace {

namespace dist = kiln::distributed;
using runtime::Frame;

/// One traced collective, ready to run on a tensor.
struct Collective {
  const char* name;
  // `consume`: the tensor is handed over (the plan's last use of it): an all-reduce may
  // reduce it in its own buffer.
  std::function<Tensor(const Tensor&, bool consume)> run;
};

dist::Group traced_group(llvm::StringRef name, int64_t size, const std::string& where) {
  std::optional<dist::Group> group;
  with_location("collective", where, [&] {
    group = distributed::group_named(name.str());
    if (group->size() != size)
      throw Error("[distributed] the function was traced for group '" + name.str() + "' of " +
                  std::to_string(size) + " ranks; here it has " + std::to_string(group->size()));
  });
  return *group;
}

Collective collective_of(mlir::Operation& op, const std::string& where) {
  static const std::source_location loc = std::source_location::current();  // not shown:
  // the step's frame (the traced op and the user's line) is the outermost one
  if (auto r = llvm::dyn_cast<ir::AllReduceOp>(op)) {
    dist::Group group = traced_group(r.getGroup(), static_cast<int64_t>(r.getGroupSize()), where);
    const dist::ReduceOp reduce = distributed::parse_reduce(r.getReduce());
    return {"all_reduce", [group, reduce](const Tensor& x, bool consume) {
              return distributed::run_all_reduce(x, reduce, group, loc, consume);
            }};
  }
  if (auto g = llvm::dyn_cast<ir::AllGatherOp>(op)) {
    dist::Group group = traced_group(g.getGroup(), static_cast<int64_t>(g.getGroupSize()), where);
    return {"all_gather",
            [group](const Tensor& x, bool) { return distributed::run_all_gather(x, group, loc); }};
  }
  auto b = llvm::cast<ir::CollectiveBroadcastOp>(op);
  dist::Group group = traced_group(b.getGroup(), static_cast<int64_t>(b.getGroupSize()), where);
  const int root = static_cast<int>(b.getRoot());
  return {"collective_broadcast", [group, root](const Tensor& x, bool) {
            return distributed::run_broadcast(x, root, group, loc);
          }};
}

/// A collective handed to the communication thread (host tensors), or already run (a
/// device's tensors: staged through the host on this thread, where its context is current).
class CollectiveWork final : public runtime::PendingWork {
 public:
  /// `consume`: x was moved out of its slot (its last use), so the work holds it alone.
  CollectiveWork(const Collective& c, Tensor x, bool consume, const std::string& where) {
    if (x.device() != Device{}) {
      with_location(c.name, where, [&] { result_ = c.run(x, consume); });
      return;
    }
    future_ = distributed::submit_collective(
        [run = c.run, name = c.name, x = std::move(x), consume, where] {
          Tensor out;
          with_location(name, where, [&] { out = run(x, consume); });
          return out;
        });
  }
  void wait() override {
    if (future_.valid()) future_.wait();
  }
  Tensor take() {
    if (future_.valid()) result_ = future_.get();
    return std::move(result_);
  }

 private:
  std::future<Tensor> future_;
  Tensor result_;
};

BoundStep bind_collective(const OpSlots& s) {
  Collective c = collective_of(s.op, s.where);
  const bool last = s.last_use.at(0);
  return {[c = std::move(c), x = s.in.at(0), o = s.out.at(0), last, where = s.where](Frame& f) {
            CollectiveWork work(c, last ? std::move(f.slots[x]) : f.slots[x], last, where);
            f.slots[o] = work.take();
          },
          /*host_values=*/true};
}

}  // namespace

bool is_collective(mlir::Operation& op) {
  return llvm::isa<ir::AllReduceOp, ir::AllGatherOp, ir::CollectiveBroadcastOp>(op);
}

bool holds_collective(mlir::Operation& op) {
  bool found = false;
  for (mlir::Region& region : op.getRegions())
    region.walk([&](mlir::Operation* inner) {
      if (is_collective(*inner)) found = true;
    });
  return found;
}

SplitCollective bind_split_collective(const OpSlots& s, size_t pending) {
  auto c = std::make_shared<const Collective>(collective_of(s.op, s.where));
  SplitCollective split;
  const bool last = s.last_use.at(0);  // no step reads the operand after the start
  split.start = [c, x = s.in.at(0), pending, last, where = s.where](Frame& f) {
    if (f.pending.size() <= pending) f.pending.resize(pending + 1);
    f.pending[pending] = std::make_unique<CollectiveWork>(
        *c, last ? std::move(f.slots[x]) : f.slots[x], last, where);
  };
  split.done = [o = s.out.at(0), pending](Frame& f) {
    std::unique_ptr<runtime::PendingWork> work = std::move(f.pending.at(pending));
    f.slots[o] = static_cast<CollectiveWork&>(*work).take();
  };
  return split;
}

const KernelBinder bind_all_reduce{bind_collective};
const KernelBinder bind_all_gather{bind_collective};
const KernelBinder bind_collective_broadcast{bind_collective};

}  // namespace kiln::detail
