// Graph mode: turns an optimized graph into a runtime::Executable once per concrete
// function. Every IR value gets a slot; each op becomes one step: control flow and
// variables here, a fusion's compiled kernel, or the op's kernel bound once with its
// attributes and result types (compiler/pipeline/kernel_binding.h), so a cached call never touches
// MLIR. Intermediate slots are released after their last use, which hands their
// memory back to the caching allocator for the next step to reuse.
#include <mutex>
#include <optional>
#include <string>

#include "compiler/distributed/collective_steps.h"
#include "compiler/pipeline/kernel_binding.h"
#include "compiler/pipeline/kernel_set.h"
#include "compiler/trace/graph.h"
#include "ir/KilnOps.h"
#include "ir/TypeConversion.h"
#include "kernels/cpu/gemm.h"
#include "kiln/error.h"
#include "kiln/ops.h"
#include "llvm/ADT/DenseMap.h"
#include "passes/FusionQueries.h"
#include "runtime/dispatch.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

Tensor tensor_of(mlir::DenseElementsAttr attr) {
  auto type = ir::kiln_type(attr.getType());
  Tensor t = empty(type.dtype, type.shape);
  dispatch_dtype(type.dtype, [&]<class T>() {
    T* p = mutable_data<T>(t);
    int64_t i = 0;
    if constexpr (std::is_same_v<T, uint8_t>) {
      for (bool v : attr.getValues<bool>()) p[i++] = v;
    } else {
      for (T v : attr.getValues<T>()) p[i++] = v;
    }
  });
  return t;
}

/// A graph constant, copied to each device the plan runs on the first time it runs there
/// (once per device, not per call).
class PlacedConstant {
 public:
  explicit PlacedConstant(Tensor host) : host_(std::move(host)) {}
  Tensor on(Device device) {
    if (device.kind == Device::cpu) return host_;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [d, t] : placed_)
      if (d == device) return t;
    placed_.emplace_back(device, to_device(host_, device));
    return placed_.back().second;
  }

 private:
  Tensor host_;
  std::mutex mutex_;
  std::vector<std::pair<Device, Tensor>> placed_;
};

/// "file:line" of the user's call of an op: its location, or for an op kiln's own code
/// ran for the user (a call site) the user's line then kiln's; a fusion's first member's.
std::string where_of(mlir::Location loc) {
  if (auto f = llvm::dyn_cast<mlir::FileLineColLoc>(loc))
    return f.getFilename().str() + ":" + std::to_string(f.getLine());
  if (auto call = llvm::dyn_cast<mlir::CallSiteLoc>(loc)) {
    std::string caller = where_of(call.getCaller()), callee = where_of(call.getCallee());
    return callee.empty() ? caller : caller + ", in kiln's " + callee;
  }
  if (auto fused = llvm::dyn_cast<mlir::FusedLoc>(loc))
    for (mlir::Location part : fused.getLocations())
      if (std::string w = where_of(part); !w.empty()) return w;
  return "";
}

/// Whether `use` reads its value as an operand of a 2-D product the plan runs on the CPU's
/// GEMM: a kiln.matmul of 2-D f32/f64 operands, or an output fusion's product (its inputs 0
/// and 1).
bool product_operand(mlir::OpOperand& use) {
  mlir::Operation* user = use.getOwner();
  if (auto m = llvm::dyn_cast<ir::MatmulOp>(user))
    return passes::gemmOperand(m.getLhs()) && passes::gemmOperand(m.getRhs());
  if (auto f = llvm::dyn_cast<ir::FusionOp>(user))
    return f.getKind() == "output" && use.getOperandNumber() < 2;
  return false;
}

class PlanBuilder {
 public:
  PlanBuilder(const TracedFunction& traced, const KernelSet* kernels, Device device)
      : traced_(traced), kernels_(kernels), fold_transposes_(device.kind == Device::cpu) {}

  runtime::Executable build(mlir::func::FuncOp func) {
    // Transposes read in place by the products they feed (never materialized): a 2-D
    // transpose whose every use is a product operand in its own block.
    if (fold_transposes_)
      func.walk([&](ir::TransposeOp t) {
        const bool all =
            !t->use_empty() && passes::gemmOperand(t.getX()) &&
            llvm::all_of(t->getUses(), [&](mlir::OpOperand& use) {
              return use.getOwner()->getBlock() == t->getBlock() && product_operand(use);
            });
        if (all && t.getPerm().size() == 2 && t.getPerm()[0] == 1)
          transposed_[t.getResult()] = t.getX();
      });
    runtime::Executable exe;
    mlir::Block& entry = func.getBody().front();
    entry_ = &entry;
    for (mlir::Value arg : entry.getArguments()) exe.inputs.push_back(slot(arg));
    auto ret = llvm::cast<mlir::func::ReturnOp>(entry.getTerminator());
    for (mlir::Value v : ret.getOperands()) exe.outputs.push_back(slot(v));
    exe.program = program(entry, {});
    exe.num_slots = next_;
    exe.graph_safe = graph_safe_;
    return exe;
  }

 private:
  int slot(mlir::Value v) {
    auto [it, inserted] = slots_.try_emplace(v, next_);
    if (inserted) ++next_;
    return it->second;
  }
  void alias(mlir::Value v, int s) { slots_[v] = s; }

  /// The steps of one block; the terminator (kiln.yield) copies into `yield_to`.
  /// In the function's own block each collective is two steps (collective_steps.h): its
  /// start goes right after its operand is made (never before an earlier collective's start
  /// or an op holding one: every rank starts them in program order), its done right before
  /// the first reader of its result (or an op holding a collective, or the end).
  runtime::Program program(mlir::Block& block, const std::vector<int>& yield_to) {
    runtime::Program prog;
    // Last step (in this block) that uses each value defined by an op of this block.
    llvm::DenseMap<mlir::Value, size_t> last_use;
    std::vector<mlir::Operation*> ops;
    for (mlir::Operation& op : block) ops.push_back(&op);
    llvm::DenseMap<mlir::Operation*, size_t> position;
    for (size_t i = 0; i < ops.size(); ++i) position[ops[i]] = i;
    for (size_t i = 0; i < ops.size(); ++i)
      ops[i]->walk([&](mlir::Operation* nested) {
        for (mlir::Value v : nested->getOperands()) {
          // A folded transpose's reader reads its input: that lives until the reader.
          if (mlir::Value source = transposed_.lookup(v)) v = source;
          if (v.getParentBlock() == &block && v.getDefiningOp() != nullptr) last_use[v] = i;
        }
      });
    const bool split = &block == entry_;
    // Steps placed before op i: collective starts, then dones, then op i's own step.
    std::vector<std::vector<runtime::Step>> starts(ops.size()), dones(ops.size());
    std::vector<std::optional<runtime::Step>> own(ops.size());
    size_t earliest_start = 0;
    // Where each op stands relative to the collectives: whether it holds one in a region
    // (it runs them where it stands), and the position of the next op at or after it that
    // does (the end when none).
    std::vector<size_t> next_holding(ops.size() + 1, ops.size() - 1);
    if (split)
      for (size_t j = ops.size(); j-- > 0;)
        next_holding[j] = holds_collective(*ops[j]) ? j : next_holding[j + 1];
    auto place = [&](mlir::Operation* user) {  // the position of user's op in this block
      mlir::Operation* at = block.findAncestorOpInBlock(*user);
      return at ? position.lookup(at) : ops.size();
    };
    llvm::DenseMap<mlir::Operation*, size_t> done_of;  // a split collective's done position
    for (size_t i = 0; i < ops.size(); ++i) {
      mlir::Operation& op = *ops[i];
      if (llvm::isa<mlir::func::ReturnOp>(op)) continue;  // outputs are read after the run
      if (op.getNumResults() == 1 && transposed_.count(op.getResult(0))) continue;  // read in place
      runtime::Step s;
      // For the profiler: "matmul", "fusion output", ... and the user's line.
      s.name = op.getName().stripDialect().str();
      if (auto fusion = llvm::dyn_cast<ir::FusionOp>(op)) (s.name += ' ') += fusion.getKind();
      s.where = where_of(op.getLoc());
      for (mlir::Value v : op.getOperands()) {
        if (mlir::Value source = transposed_.lookup(v)) v = source;  // read in place
        s.reads.push_back(slot(v));
      }
      for (mlir::Value v : op.getResults()) s.writes.push_back(slot(v));
      // Release what dies here, unless it is returned from the function.
      for (auto& [v, at] : last_use)
        if (at == i && !is_output(v)) s.release.push_back(slot(v));
      if (split && is_collective(op)) {
        graph_safe_ = false;
        size_t start_at = earliest_start;
        for (mlir::Value v : op.getOperands())
          if (mlir::Operation* def = v.getDefiningOp(); def && def->getBlock() == &block)
            // after the op that makes it; a collective's result exists after its done
            start_at = std::max(
                start_at, done_of.count(def) ? done_of.lookup(def) + 1 : position.lookup(def) + 1);
        earliest_start = start_at;
        // Before the first reader, an op holding a collective, or the return.
        size_t done_at = next_holding[i + 1];
        for (mlir::Operation* user : op.getUsers()) done_at = std::min(done_at, place(user));
        // The start may take the operand if this is its last use and nothing reads it
        // from the start on (a step between the start and this op's place would).
        std::vector<bool> dying;
        for (mlir::Value v : op.getOperands())
          dying.push_back(dies_at(v, &op) && llvm::all_of(v.getUsers(), [&](mlir::Operation* user) {
                            return user == &op || place(user) < start_at;
                          }));
        SplitCollective steps = bind_split_collective(
            {op, {slot(op.getOperand(0))}, {slot(op.getResult(0))}, s.where, std::move(dying)},
            pending_++);
        runtime::Step start{std::move(steps.start), {}, s.name + " start", s.where, s.reads, {}};
        // What dies here is released at the done (the start's work holds the operand, or
        // took it out of its slot).
        runtime::Step done{
            std::move(steps.done), std::move(s.release), s.name + " done", s.where, {}, s.writes};
        done_of[&op] = done_at;
        starts[start_at].push_back(std::move(start));
        dones[done_at].push_back(std::move(done));
        continue;
      }
      if (split && next_holding[i] == i) earliest_start = i + 1;
      if (llvm::isa<ir::YieldOp>(op))
        s.run = yield_step(op, yield_to);
      else
        s.run = step(op);
      own[i] = std::move(s);
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      for (runtime::Step& s : starts[i]) prog.steps.push_back(std::move(s));
      for (runtime::Step& s : dones[i]) prog.steps.push_back(std::move(s));
      if (own[i]) prog.steps.push_back(std::move(*own[i]));
    }
    return prog;
  }

  bool is_output(mlir::Value v) {
    for (mlir::Operation* user : v.getUsers())
      if (llvm::isa<mlir::func::ReturnOp>(user)) return true;
    return false;
  }

  std::function<void(runtime::Frame&)> yield_step(mlir::Operation& op, const std::vector<int>& to) {
    std::vector<int> from;
    for (mlir::Value v : op.getOperands()) from.push_back(slot(v));
    return [from, to](runtime::Frame& f) {
      // Read all first: a loop body may yield its arguments in another order.
      std::vector<Tensor> values;
      values.reserve(from.size());
      for (int s : from) values.push_back(f.slots[s]);
      for (size_t i = 0; i < to.size(); ++i) f.slots[to[i]] = std::move(values[i]);
    };
  }

  std::function<void(runtime::Frame&)> step(mlir::Operation& op) {
    std::vector<int> in, out;
    for (mlir::Value v : op.getOperands()) in.push_back(slot(v));
    for (mlir::Value v : op.getResults()) out.push_back(slot(v));
    const std::string where = where_of(op.getLoc());

    if (auto c = llvm::dyn_cast<ir::ConstantOp>(op)) {
      auto value = std::make_shared<PlacedConstant>(
          tensor_of(llvm::cast<mlir::DenseElementsAttr>(c.getValue())));
      return [value, o = out[0]](runtime::Frame& f) { f.slots[o] = value->on(f.device); };
    }
    // What a CUDA graph cannot replay: host reads of values (control flow here; the ops
    // whose binding says so), variables (a replay would not see a new value's buffer).
    if (llvm::isa<ir::ReadVariableOp, ir::AssignVariableOp, ir::CondOp, ir::WhileLoopOp,
                  ir::ForRangeOp>(op))
      graph_safe_ = false;
    if (auto r = llvm::dyn_cast<ir::ReadVariableOp>(op)) {
      auto var = traced_.variables.at(r.getIndex());
      // A variable moves with what is assigned to it; a call on another device must not
      // hand its buffer to that device's kernels (a host pointer in a CUDA kernel).
      return [var, o = out[0], where](runtime::Frame& f) {
        f.slots[o] = var->read();
        if (f.slots[o].device() != f.device)
          with_location("read_variable", where, [&] {
            throw Error("[read_variable] variable '" + var->name + "' is on " +
                        to_string(f.slots[o].device()) + " and the call runs on " +
                        to_string(f.device) + ": move it there (v.assign(v.value().to(" +
                        to_string(f.device) + ")))");
          });
      };
    }
    if (auto a = llvm::dyn_cast<ir::AssignVariableOp>(op)) {
      auto var = traced_.variables.at(a.getIndex());
      return [var, i = in[0]](runtime::Frame& f) { var->write(f.slots[i]); };
    }
    if (auto m = llvm::dyn_cast<ir::MatmulOp>(op);
        m && (transposed_.count(m.getLhs()) || transposed_.count(m.getRhs())))
      return transposed_product(m, out[0], where);
    if (auto fusion = llvm::dyn_cast<ir::FusionOp>(op)) {
      if (!kernels_) throw Error("[plan] internal error: a kiln.fusion without compiled kernels");
      FusionSlots slots{in, out, where, {}, nullptr};
      for (unsigned k = 0; fusion.getKind() == "output" && k < 2 && k < op.getNumOperands(); ++k)
        // an output fusion's product operands, read transposed
        if (mlir::Value source = transposed_.lookup(op.getOperand(k))) {
          slots.in[k] = slot(source);
          (k == 0 ? slots.transpose_lhs : slots.transpose_rhs) = true;
        }
      for (mlir::Value v : fusion.getInputs()) slots.last_use.push_back(dies_at(v, fusion));
      if (passes::hasDynamicShape(fusion)) {  // the body's ops one by one, on the fusion's slots
        mlir::Block& body = fusion.getBody().front();
        for (size_t k = 0; k < in.size(); ++k) alias(body.getArgument(k), in[k]);
        slots.unfused = std::make_shared<runtime::Program>(program(body, out));
      }
      return kernels_->bind(fusion, slots);
    }
    if (auto c = llvm::dyn_cast<ir::CondOp>(op)) {
      auto then_prog = std::make_shared<runtime::Program>(program(c.getThenRegion().front(), out));
      auto else_prog = std::make_shared<runtime::Program>(program(c.getElseRegion().front(), out));
      return [then_prog, else_prog, pred = in[0], where](runtime::Frame& f) {
        bool taken = false;
        with_location("cond", where, [&] { taken = f.slots[pred].item<bool>(); });
        (taken ? then_prog : else_prog)->run(f);
      };
    }
    if (auto w = llvm::dyn_cast<ir::WhileLoopOp>(op)) {
      // Carried values share slots across the cond and body arguments and the results.
      mlir::Block& cond = w.getCond().front();
      mlir::Block& body = w.getBody().front();
      for (size_t k = 0; k < out.size(); ++k) {
        alias(cond.getArgument(k), out[k]);
        alias(body.getArgument(k), out[k]);
      }
      int pred = next_++;
      auto cond_prog = std::make_shared<runtime::Program>(program(cond, {pred}));
      auto body_prog = std::make_shared<runtime::Program>(program(body, out));
      return [cond_prog, body_prog, in, out, pred, where](runtime::Frame& f) {
        for (size_t k = 0; k < in.size(); ++k) f.slots[out[k]] = f.slots[in[k]];
        for (;;) {
          cond_prog->run(f);
          bool more = false;
          with_location("while_loop", where, [&] { more = f.slots[pred].item<bool>(); });
          if (!more) break;
          body_prog->run(f);
        }
      };
    }
    if (auto r = llvm::dyn_cast<ir::ForRangeOp>(op)) {
      mlir::Block& body = r.getBody().front();
      int index = slot(body.getArgument(0));
      for (size_t k = 0; k < out.size(); ++k) alias(body.getArgument(k + 1), out[k]);
      auto body_prog = std::make_shared<runtime::Program>(program(body, out));
      return [body_prog, in, out, index](runtime::Frame& f) {
        const int64_t n = f.slots[in[0]].item<int64_t>();
        for (size_t k = 0; k + 1 < in.size(); ++k) f.slots[out[k]] = f.slots[in[k + 1]];
        for (int64_t i = 0; i < n; ++i) {
          f.slots[index] = Tensor::scalar<int64_t>(i, f.device);
          body_prog->run(f);
        }
      };
    }

    std::vector<bool> last_use;
    for (mlir::Value v : op.getOperands()) last_use.push_back(dies_at(v, &op));
    BoundStep bound = bind_kernel({op, in, out, where, std::move(last_use)});
    if (bound.host_values) graph_safe_ = false;
    return std::move(bound.run);
  }

  /// A matmul with a folded transpose operand: the GEMM reads the transpose's input with
  /// the transpose flag.
  std::function<void(runtime::Frame&)> transposed_product(ir::MatmulOp m, int out,
                                                          const std::string& where) {
    const bool ta = transposed_.count(m.getLhs()) != 0, tb = transposed_.count(m.getRhs()) != 0;
    const int a = slot(ta ? transposed_.lookup(m.getLhs()) : m.getLhs());
    const int b = slot(tb ? transposed_.lookup(m.getRhs()) : m.getRhs());
    const rules::TensorType type = ir::kiln_type(m.getResult().getType());
    return [a, b, out, ta, tb, type, where](runtime::Frame& f) {
      Tensor c = empty(type.dtype, type.shape, f.device);
      with_location("matmul", where, [&] {
        kernels::cpu::matmul_rows(f.slots[a], f.slots[b], c, 0, type.shape[0], ta, tb);
      });
      f.slots[out] = std::move(c);
    };
  }

  /// Whether `v` is an intermediate of this block whose last use is `op`: not an argument,
  /// a constant or a variable's value (their storage belongs to someone else), not
  /// returned, and not used after `op`.
  /// A loop body's carried value (its block argument) dies like an intermediate: each
  /// iteration's is the previous iteration's result, which nothing else holds (the
  /// initial value is shared with the loop's operand, and the kernels' run-time check of
  /// sole ownership leaves it alone), so a loop updates its state in place.
  bool dies_at(mlir::Value v, mlir::Operation* op) {
    mlir::Operation* def = v.getDefiningOp();
    if (!def) {
      auto arg = llvm::cast<mlir::BlockArgument>(v);
      mlir::Operation* loop = arg.getOwner()->getParentOp();
      const bool carried =
          arg.getOwner() == op->getBlock() &&
          ((llvm::isa<ir::ForRangeOp>(loop) && arg.getArgNumber() > 0) ||
           (llvm::isa<ir::WhileLoopOp>(loop) &&
            arg.getOwner() == &llvm::cast<ir::WhileLoopOp>(loop).getBody().front()));
      if (!carried) return false;
    } else if (def->getBlock() != op->getBlock() || is_output(v) ||
               llvm::isa<ir::ConstantOp, ir::ReadVariableOp>(def)) {
      return false;
    }
    for (mlir::OpOperand& use : v.getUses()) {
      // A folded transpose is read where its products run: those are v's uses too.
      mlir::Operation* user = use.getOwner();
      if (user->getNumResults() == 1 && transposed_.count(user->getResult(0))) {
        if (!llvm::all_of(user->getUsers(),
                          [&](mlir::Operation* reader) { return used_by_then(reader, op); }))
          return false;
      } else if (!used_by_then(user, op)) {
        return false;
      }
    }
    return true;
  }

  /// Whether `user` (or the op of `op`'s block it is nested in) is `op` or runs before it.
  static bool used_by_then(mlir::Operation* user, mlir::Operation* op) {
    mlir::Operation* at = op->getBlock()->findAncestorOpInBlock(*user);
    return at && (at == op || at->isBeforeInBlock(op));
  }

  const TracedFunction& traced_;
  const KernelSet* kernels_;    // the fused kernels (jit=true), whatever the device
  const bool fold_transposes_;  // on the CPU: products read transposes in place
  llvm::DenseMap<mlir::Value, mlir::Value> transposed_;  // folded transpose -> its input
  bool graph_safe_ = true;
  mlir::Block* entry_ = nullptr;  // the function's block: its collectives are split in two
  size_t pending_ = 0;            // collectives split so far: each has its pending work
  llvm::DenseMap<mlir::Value, int> slots_;
  int next_ = 0;
};

}  // namespace

runtime::Executable build_executable(const Graph& graph, const TracedFunction& traced,
                                     const KernelSet* kernels, Device device) {
  return PlanBuilder(traced, kernels, device).build(graph.func());
}

}  // namespace kiln::detail
