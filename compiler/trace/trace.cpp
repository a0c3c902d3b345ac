// The tracer: records kiln ops into an MLIR function while a kiln::function runs its
// callable with symbolic tensors. State is thread-local and explicit (one TraceState per
// trace in progress on a thread).
#include "compiler/trace/trace.h"

#include <atomic>
#include <unordered_map>

#include "compiler/autodiff/tape.h"
#include "compiler/trace/graph.h"
#include "compiler/trace/mlir_context.h"
#include "ir/KilnOps.h"
#include "ir/TypeConversion.h"
#include "kiln/error.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "runtime/dispatch.h"
#include "runtime/op_frame.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

void GraphDeleter::operator()(Graph* g) const { delete g; }

namespace {

std::atomic<uint64_t> next_trace_id{1};

/// Captured concrete tensors up to this many elements become kiln.constant (so they fold);
/// larger ones become graph inputs bound to the same immutable tensor at every call.
constexpr int64_t kMaxConstantElements = 16;

struct TraceState {
  uint64_t id = 0;
  bool first_trace = false;
  std::string name;  // the function's, for errors
  mlir::MLIRContext* context = nullptr;
  mlir::OpBuilder builder;
  mlir::Block* entry = nullptr;
  std::vector<std::shared_ptr<VariableState>> variables;
  std::unordered_map<const VariableState*, int64_t> variable_index;
  std::vector<Tensor> captures;
  std::unordered_map<const TensorImpl*, mlir::Value> capture_values;
  TraceState* outer = nullptr;    // a trace started while another runs on this thread
  std::source_location fallback;  // where kiln::function was called
  Device device;                  // where the traced call runs: its symbolic tensors' device
  // GradientReplay: the variables' values while a function is replayed for its gradient.
  std::unordered_map<const VariableState*, Tensor>* replay = nullptr;

  explicit TraceState(mlir::MLIRContext* ctx) : context(ctx), builder(ctx) {}
};

thread_local TraceState* current = nullptr;

mlir::Location file_location(mlir::MLIRContext* context, const std::source_location& loc) {
  return mlir::FileLineColLoc::get(context, loc.file_name(), loc.line(), loc.column());
}

/// The op's location: the user's line; an op that kiln's own code ran on the user's behalf
/// (a layer, an optimizer, a gradient) is a call site, kiln's line called from the user's
/// (runtime::UserCall's, else the kiln::function call).
mlir::Location location_of(TraceState& t, const std::source_location* loc) {
  const std::source_location* user = runtime::UserCall::innermost();
  const std::source_location& caller = user != nullptr ? *user : t.fallback;
  if (loc == nullptr) return file_location(t.context, caller);  // an operator: no line of its own
  mlir::Location here = file_location(t.context, *loc);
  if (!runtime::is_kiln_source(loc->file_name())) return here;
  return mlir::CallSiteLoc::get(here, file_location(t.context, caller));
}

mlir::DenseElementsAttr elements_of(TraceState& t, const Tensor& x) {
  auto type = ir::tensor_type(t.context, {x.dtype(), x.shape()});
  const Tensor host = to_host(x);  // a constant made from a tensor on a device
  return dispatch_dtype(x.dtype(), [&]<class T>() -> mlir::DenseElementsAttr {
    const T* p = data<T>(host);
    if constexpr (std::is_same_v<T, uint8_t>) {
      llvm::SmallVector<bool> bits(p, p + x.numel());
      return mlir::DenseElementsAttr::get(type, llvm::ArrayRef<bool>(bits));
    } else {
      return mlir::DenseElementsAttr::get(type, llvm::ArrayRef<T>(p, x.numel()));
    }
  });
}

/// The IR value standing for `x` in the current trace.
mlir::Value value_of(TraceState& t, const Tensor& x, const CallSite& site) {
  const TensorImpl& impl = *x.impl();
  if (impl.symbolic()) {
    if (impl.trace_id != t.id)
      throw_op_error(site,
                     "an operand is a symbolic tensor of another trace (a tensor kept from "
                     "an earlier or an outer trace cannot be used here)",
                     {&x});
    return mlir::Value::getFromOpaquePointer(impl.symbol);
  }
  if (x.numel() <= kMaxConstantElements) {
    mlir::OperationState state(location_of(t, site.loc), "kiln.constant");
    auto attr = elements_of(t, x);
    state.addAttribute("value", attr);
    state.addTypes(attr.getType());
    return t.builder.create(state)->getResult(0);
  }
  auto it = t.capture_values.find(&impl);
  if (it != t.capture_values.end()) return it->second;
  mlir::Value arg = t.entry->addArgument(ir::tensor_type(t.context, {x.dtype(), x.shape()}),
                                         location_of(t, nullptr));
  t.captures.push_back(x);
  t.capture_values[&impl] = arg;
  return arg;
}

Tensor symbolic_of(TraceState& t, mlir::Value v) {
  auto type = ir::kiln_type(v.getType());
  return symbolic(type.dtype, type.shape, v.getAsOpaquePointer(), t.id, t.device);
}

mlir::Attribute attribute_of(TraceState& t, const AttrValue& value) {
  mlir::Builder& b = t.builder;
  return std::visit(
      [&](const auto& v) -> mlir::Attribute {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, int64_t>)
          return b.getI64IntegerAttr(v);
        else if constexpr (std::is_same_v<V, double>)
          return b.getF64FloatAttr(v);
        else if constexpr (std::is_same_v<V, bool>)
          return b.getBoolAttr(v);
        else if constexpr (std::is_same_v<V, std::vector<int64_t>>)
          return b.getDenseI64ArrayAttr(v);
        else if constexpr (std::is_same_v<V, std::string>)
          return b.getStringAttr(v);
        else
          return mlir::TypeAttr::get(ir::element_type(t.context, v));
      },
      value);
}

/// Verifies one new op; a failure (a kiln bug: op functions check first) becomes an Error.
void verify_or_throw(mlir::Operation* op, const CallSite& site) {
  // A region op inside a region still being traced (a loop in a loop body) may use values
  // of the function around it, which its detached block cannot reach yet: its dominance is
  // checked with the whole graph when the trace ends.
  if (op->getNumRegions() != 0) {
    mlir::Operation* top = op;
    while (top->getParentOp() != nullptr) top = top->getParentOp();
    if (!llvm::isa<mlir::ModuleOp>(top)) return;
  }
  std::string message;
  mlir::ScopedDiagnosticHandler handler(op->getContext(), [&](mlir::Diagnostic& d) {
    message += d.str();
    return mlir::success();
  });
  if (mlir::failed(mlir::verify(op, /*verifyRecursively=*/false)))
    throw_op_error(site, "internal error: the recorded op does not verify: " + message, {});
}

TraceState& active(const char* what) {
  if (current == nullptr) throw Error(std::string("[") + what + "] no trace is active");
  return *current;
}

/// Types of yielded tensors, for comparing branches and loop bodies.
std::string types_str(const std::vector<Tensor>& ts) {
  std::string s;
  for (const Tensor& t : ts) s += (s.empty() ? "" : ", ") + describe(t);
  return "(" + s + ")";
}

/// Traces `fn` into a new block (not yet attached to a region) with the given argument
/// types; returns the block and the results as values.
mlir::Block* trace_block(TraceState& t, const std::vector<mlir::Type>& arg_types,
                         const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& fn,
                         std::vector<Tensor>& results, const CallSite& site) {
  auto* block = new mlir::Block();
  std::vector<Tensor> args;
  for (mlir::Type type : arg_types)
    args.push_back(symbolic_of(t, block->addArgument(type, location_of(t, site.loc))));
  mlir::OpBuilder::InsertionGuard guard(t.builder);
  t.builder.setInsertionPointToStart(block);
  try {
    {
      runtime::UserCode user;  // the branch's ops are the user's, not the cond's
      results = fn(args);
    }
    llvm::SmallVector<mlir::Value> values;
    for (const Tensor& r : results) {
      check_operands(site, {&r});
      values.push_back(value_of(t, r, site));
    }
    mlir::OperationState yield(location_of(t, site.loc), "kiln.yield");
    yield.addOperands(values);
    t.builder.create(yield);
  } catch (...) {
    delete block;
    throw;
  }
  return block;
}

std::vector<mlir::Type> types_of(TraceState& t, const std::vector<Tensor>& ts) {
  std::vector<mlir::Type> types;
  for (const Tensor& x : ts) types.push_back(ir::tensor_type(t.context, {x.dtype(), shape_of(x)}));
  return types;
}

llvm::SmallVector<mlir::Value> values_of(TraceState& t, const std::vector<Tensor>& ts,
                                         const CallSite& site) {
  llvm::SmallVector<mlir::Value> values;
  for (const Tensor& x : ts) {
    check_operands(site, {&x});
    values.push_back(value_of(t, x, site));
  }
  return values;
}

/// Creates a region op (kiln.cond, kiln.while_loop, kiln.for_range) from traced blocks and
/// returns its results as symbolic tensors.
std::vector<Tensor> create_region_op(TraceState& t, const CallSite& site, const char* name,
                                     llvm::ArrayRef<mlir::Value> operands,
                                     const std::vector<mlir::Type>& result_types,
                                     std::vector<std::unique_ptr<mlir::Block>> blocks) {
  mlir::OperationState state(location_of(t, site.loc), name);
  state.addOperands(operands);
  state.addTypes(result_types);
  for (auto& block : blocks) state.addRegion()->push_back(block.release());
  mlir::Operation* op = t.builder.create(state);
  verify_or_throw(op, site);
  std::vector<Tensor> out;
  for (mlir::Value v : op->getResults()) out.push_back(symbolic_of(t, v));
  return out;
}

}  // namespace

bool is_symbolic(const Tensor& t) { return t.defined() && t.impl()->symbolic(); }

bool tracing() { return current != nullptr; }

const std::source_location* trace_fallback_location() {
  return current != nullptr ? &current->fallback : nullptr;
}

std::optional<std::vector<Tensor>> trace_op(const CallSite& site, std::string_view name,
                                            const std::vector<const Tensor*>& operands,
                                            const Attrs& attrs,
                                            const std::vector<rules::TensorType>& results,
                                            bool effect) {
  if (current == nullptr) return std::nullopt;
  // Replayed for a gradient, a print is dropped; a collective (an effect with results,
  // which the gradient needs) runs again: every rank replays the same graph.
  if (effect && results.empty() && current->replay != nullptr) return std::vector<Tensor>{};
  bool record = effect;
  for (const Tensor* t : operands) record |= is_symbolic(*t);
  if (!record) return std::nullopt;
  TraceState& t = *current;
  mlir::OperationState state(location_of(t, site.loc), "kiln." + std::string(name));
  for (const Tensor* x : operands) state.addOperands(value_of(t, *x, site));
  for (const Attr& a : attrs.list()) state.addAttribute(a.name, attribute_of(t, a.value));
  for (const auto& r : results) state.addTypes(ir::tensor_type(t.context, r));
  mlir::Operation* op = t.builder.create(state);
  verify_or_throw(op, site);
  std::vector<Tensor> out;
  for (mlir::Value v : op->getResults()) out.push_back(symbolic_of(t, v));
  if (taping()) detail::record(name, operands, attrs, out);
  return out;
}

TracedFunction trace(const std::string& name, const std::vector<rules::TensorType>& args,
                     const TraceFn& fn, bool first_trace, std::source_location fallback,
                     Device device) {
  mlir::MLIRContext* context = kiln_mlir_context();
  TapeSuspension hide_tapes;  // tapes outside the function do not see its symbolic ops
  TraceState state(context);
  state.fallback = fallback;
  state.device = device;
  const mlir::Location where = location_of(state, nullptr);
  state.id = next_trace_id++;
  state.first_trace = first_trace;
  state.name = name;

  auto graph = GraphPtr(new Graph);
  graph->module = mlir::ModuleOp::create(where);
  state.builder.setInsertionPointToEnd(graph->module->getBody());
  llvm::SmallVector<mlir::Type> arg_types;
  for (const auto& a : args) arg_types.push_back(ir::tensor_type(context, a));
  auto func = state.builder.create<mlir::func::FuncOp>(
      where, name.empty() ? "fn" : name, state.builder.getFunctionType(arg_types, {}));
  state.entry = func.addEntryBlock();
  state.builder.setInsertionPointToStart(state.entry);

  std::vector<Tensor> sym_args;
  for (mlir::Value v : state.entry->getArguments()) {
    sym_args.push_back(symbolic_of(state, v));
    sym_args.back().impl()->argument = static_cast<int32_t>(sym_args.size() - 1);  // for errors
  }

  state.outer = current;
  current = &state;
  std::vector<Tensor> results;
  try {
    {
      runtime::UserCode user;
      results = fn(sym_args);
    }
    llvm::SmallVector<mlir::Value> values;
    CallSite site{"return"};
    for (const Tensor& r : results) {
      check_operands(site, {&r});
      values.push_back(value_of(state, r, site));
    }
    state.builder.create<mlir::func::ReturnOp>(where, values);
    llvm::SmallVector<mlir::Type> result_types;
    for (mlir::Value v : values) result_types.push_back(v.getType());
    func.setType(state.builder.getFunctionType(state.entry->getArgumentTypes(), result_types));
  } catch (...) {
    current = state.outer;
    throw;
  }
  current = state.outer;

  std::string message;
  {
    mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic& d) {
      message += d.str();
      return mlir::success();
    });
    if (mlir::failed(mlir::verify(*graph->module)))
      throw Error("[function] internal error: the traced graph does not verify: " + message);
  }
  TracedFunction traced;
  traced.graph = std::move(graph);
  traced.variables = std::move(state.variables);
  traced.captures = std::move(state.captures);
  return traced;
}

GradientReplay::GradientReplay(const std::vector<std::shared_ptr<VariableState>>& variables,
                               const std::vector<Tensor>& values)
    : state_(&active("gradient")) {
  for (size_t i = 0; i < variables.size() && i < values.size(); ++i)
    values_[variables[i].get()] = values[i];
  static_cast<TraceState*>(state_)->replay = &values_;
}

GradientReplay::~GradientReplay() { static_cast<TraceState*>(state_)->replay = nullptr; }

Tensor trace_read_variable(const std::shared_ptr<VariableState>& v) {
  TraceState& t = active("read_variable");
  if (t.replay != nullptr)
    if (auto it = t.replay->find(v.get()); it != t.replay->end()) {
      // A fresh handle for the same graph value: the tape tells reads apart (and from the
      // tensor last assigned) by handle.
      const Tensor& value = it->second;
      return symbolic(value.dtype(), shape_of(value), value.impl()->symbol, t.id, t.device);
    }
  auto [it, inserted] = t.variable_index.emplace(v.get(), static_cast<int64_t>(t.variables.size()));
  if (inserted) t.variables.push_back(v);
  mlir::OperationState state(location_of(t, nullptr), "kiln.read_variable");
  state.addAttribute("index", t.builder.getI64IntegerAttr(it->second));
  state.addTypes(ir::tensor_type(t.context, {v->dtype, v->shape}));
  return symbolic_of(t, t.builder.create(state)->getResult(0));
}

void trace_assign_variable(const std::shared_ptr<VariableState>& v, const Tensor& value) {
  TraceState& t = active("assign");
  if (t.replay != nullptr)
    if (auto it = t.replay->find(v.get()); it != t.replay->end()) {
      CallSite site{"assign"};
      it->second = symbolic_of(t, value_of(t, value, site));  // a concrete one: a constant
      return;
    }
  auto [it, inserted] = t.variable_index.emplace(v.get(), static_cast<int64_t>(t.variables.size()));
  if (inserted) t.variables.push_back(v);
  CallSite site{"assign"};
  mlir::OperationState state(location_of(t, nullptr), "kiln.assign_variable");
  state.addAttribute("index", t.builder.getI64IntegerAttr(it->second));
  state.addOperands(value_of(t, value, site));
  t.builder.create(state);
}

void check_variable_creation(const std::string& variable, const Tensor& initial,
                             const std::source_location& loc) {
  if (current == nullptr || current->first_trace) return;
  // Created through std::make_unique and the like, `loc` is a line of the standard
  // library: the compiled function's definition says more.
  const bool library = std::string_view(loc.file_name()).starts_with("/usr/");
  throw Error("[Variable] creating variable '" + variable + "' (" +
              std::string(dtype_name(initial.dtype())) + " " + shape_str(initial.shape()) +
              ") in a retrace of function '" + current->name +
              "': function tried to create variables on non-first call; a kiln::function may "
              "create variables on its first trace only (as tf.function): create it outside "
              "the function, or in its first call (at " +
              runtime::file_line(library ? current->fallback : loc) + ")");
}

std::vector<Tensor> trace_cond(const Tensor& pred, const Branch& then_fn, const Branch& else_fn,
                               std::source_location loc) {
  TraceState& t = active("cond");
  CallSite site{"cond", &loc};
  if (pred.dtype() != DType::boolean || !(pred.rank() == 0 || pred.numel() == 1))
    throw_op_error(site, "the predicate must be a boolean tensor with one element", {&pred});
  Tensor p = pred.rank() == 0 ? pred : reshape(pred, {});
  mlir::Value pv = value_of(t, p, site);
  std::vector<Tensor> then_results, else_results;
  std::unique_ptr<mlir::Block> then_block(trace_block(
      t, {}, [&](const std::vector<Tensor>&) { return then_fn(); }, then_results, site));
  std::unique_ptr<mlir::Block> else_block(trace_block(
      t, {}, [&](const std::vector<Tensor>&) { return else_fn(); }, else_results, site));
  if (types_of(t, then_results) != types_of(t, else_results))
    throw_op_error(site,
                   "the branches return different types: " + types_str(then_results) + " vs " +
                       types_str(else_results),
                   {});
  std::vector<std::unique_ptr<mlir::Block>> blocks;
  blocks.push_back(std::move(then_block));
  blocks.push_back(std::move(else_block));
  return create_region_op(t, site, "kiln.cond", {pv}, types_of(t, then_results), std::move(blocks));
}

std::vector<Tensor> trace_while(const LoopCond& cond, const LoopBody& body,
                                const std::vector<Tensor>& init, std::source_location loc) {
  TraceState& t = active("while_loop");
  CallSite site{"while_loop", &loc};
  auto init_values = values_of(t, init, site);
  auto carried_types = types_of(t, init);
  std::vector<Tensor> cond_results, body_results;
  std::unique_ptr<mlir::Block> cond_block(trace_block(
      t, carried_types,
      [&](const std::vector<Tensor>& c) {
        Tensor p = cond(c);
        if (!p.defined() || p.dtype() != DType::boolean || !(p.rank() == 0 || p.numel() == 1))
          throw_op_error(site, "the condition must return a boolean tensor with one element", {&p});
        return std::vector<Tensor>{p.rank() == 0 ? p : reshape(p, {})};
      },
      cond_results, site));
  std::unique_ptr<mlir::Block> body_block(trace_block(t, carried_types, body, body_results, site));
  if (types_of(t, body_results) != carried_types)
    throw_op_error(
        site, "the body returns " + types_str(body_results) + " for carried " + types_str(init),
        {});
  std::vector<std::unique_ptr<mlir::Block>> blocks;
  blocks.push_back(std::move(cond_block));
  blocks.push_back(std::move(body_block));
  return create_region_op(t, site, "kiln.while_loop", init_values, carried_types,
                          std::move(blocks));
}

struct TracedRangeBody::Body {
  uint64_t trace_id = 0;
  std::vector<mlir::Type> carried;
  mlir::Region region;  // one block: the body, referring to values of the trace around it
  std::source_location loc;
};

TracedRangeBody::TracedRangeBody(const std::vector<rules::TensorType>& carried,
                                 const RangeBody& body, std::source_location loc)
    : body_(std::make_unique<Body>()) {
  TraceState& t = active("for_range");
  CallSite site{"for_range", &loc};
  body_->trace_id = t.id;
  body_->loc = loc;
  for (const rules::TensorType& type : carried)
    body_->carried.push_back(ir::tensor_type(t.context, type));
  std::vector<mlir::Type> block_types{ir::tensor_type(t.context, {DType::i64, {}})};
  block_types.insert(block_types.end(), body_->carried.begin(), body_->carried.end());
  std::vector<Tensor> results;
  std::unique_ptr<mlir::Block> block(trace_block(
      t, block_types,
      [&](const std::vector<Tensor>& a) {
        return body(a[0], std::vector<Tensor>(a.begin() + 1, a.end()));
      },
      results, site));
  if (types_of(t, results) != body_->carried) {
    std::string want;
    for (const rules::TensorType& type : carried)
      want += (want.empty() ? "" : ", ") + std::string(dtype_name(type.dtype)) + " " +
              shape_str(type.shape);
    throw_op_error(site, "the body returns " + types_str(results) + " for carried (" + want + ")",
                   {});
  }
  body_->region.push_back(block.release());
}

TracedRangeBody::~TracedRangeBody() {
  // The body uses values of its trace: it is freed while that trace runs on this thread
  // (always, unless a tape is kept past its trace: then it is left, not freed after its graph).
  for (TraceState* t = current; t != nullptr; t = t->outer)
    if (t->id == body_->trace_id) return;
  (void)body_.release();
}

namespace {
/// Whether op, or an op nested in it, writes kiln state (assigns a variable, prints).
bool writes_state(mlir::Operation& op) {
  return op.walk([](mlir::Operation* inner) {
             return llvm::isa<ir::AssignVariableOp, ir::PrintOp>(inner)
                        ? mlir::WalkResult::interrupt()
                        : mlir::WalkResult::advance();
           })
      .wasInterrupted();
}
}  // namespace

bool made_by_stateful_region(const Tensor& result) {
  TraceState& t = active("cond");
  CallSite site{"cond"};
  mlir::Operation* op = value_of(t, result, site).getDefiningOp();
  return op != nullptr && op->getNumRegions() > 0 && writes_state(*op);
}

bool TracedRangeBody::has_effects() const {
  for (mlir::Operation& op : body_->region.getOps())
    if (writes_state(op)) return true;
  return false;
}

std::vector<Tensor> TracedRangeBody::loop(const Tensor& n, const std::vector<Tensor>& init,
                                          bool last) {
  TraceState& t = active("for_range");
  CallSite site{"for_range", &body_->loc};
  if (t.id != body_->trace_id || body_->region.empty())
    throw_op_error(site, "a loop body was used outside the trace that made it", {});
  llvm::SmallVector<mlir::Value> operands{value_of(t, n, site)};
  operands.append(values_of(t, init, site));
  if (types_of(t, init) != body_->carried)
    throw_op_error(site,
                   "internal error: the loop's initial values " + types_str(init) +
                       " are not of its body's carried types",
                   {});
  std::vector<std::unique_ptr<mlir::Block>> blocks;
  if (last) {  // the traced block itself: the symbolic tensors made in it stay valid
    blocks.emplace_back(body_->region.getBlocks().remove(body_->region.begin()));
  } else {
    mlir::Region copy;  // a clone, handed to the new op
    mlir::IRMapping copies;
    body_->region.cloneInto(&copy, copies);
    blocks.emplace_back(copy.getBlocks().remove(copy.begin()));
  }
  return create_region_op(t, site, "kiln.for_range", operands, body_->carried, std::move(blocks));
}

std::vector<Tensor> trace_for(const Tensor& n, const RangeBody& body,
                              const std::vector<Tensor>& init, std::source_location loc) {
  std::vector<rules::TensorType> carried;
  for (const Tensor& x : init) carried.push_back(type_of(x));
  return TracedRangeBody(carried, body, loc).loop(n, init, /*last=*/true);
}

std::vector<rules::TensorType> result_types(const Graph& graph) {
  std::vector<rules::TensorType> types;
  for (mlir::Type t : graph.func().getFunctionType().getResults())
    types.push_back(ir::kiln_type(t));
  return types;
}

size_t constant_bytes(const Graph& graph) {
  size_t bytes = 0;
  graph.get()->walk([&](mlir::Operation* op) {
    for (mlir::NamedAttribute a : op->getAttrs())
      if (auto e = mlir::dyn_cast<mlir::ElementsAttr>(a.getValue()))
        bytes += static_cast<size_t>(e.getNumElements()) *
                 (e.getElementType().isIntOrFloat()
                      ? std::max<size_t>(1, e.getElementType().getIntOrFloatBitWidth() / 8)
                      : 8);
  });
  return bytes;
}

GraphPtr copy(const Graph& graph) {
  GraphPtr out(new Graph);
  out->module = mlir::OwningOpRef<mlir::ModuleOp>(graph.get().clone());
  return out;
}

size_t op_count(const Graph& graph) {
  size_t ops = 0;
  graph.get()->walk([&](mlir::Operation*) { ++ops; });
  return ops;
}

std::string print(const Graph& graph) {
  std::string text;
  llvm::raw_string_ostream os(text);
  mlir::OpPrintingFlags flags;
  flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  graph.get()->print(os, flags);
  return text;
}

}  // namespace kiln::detail
