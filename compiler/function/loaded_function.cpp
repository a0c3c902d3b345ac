// kiln::load and kiln::LoadedFunction: a saved file's graphs parsed and checked against
// its manifest (compiler/io/saved_function.h, compiler/trace/graph_io.h), then compiled by
// the one path traced graphs take (compiler/function/concrete_function.h), per device.
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "compiler/autodiff/tape.h"
#include "compiler/function/concrete_function.h"
#include "compiler/io/files.h"
#include "compiler/io/safetensors.h"
#include "compiler/io/saved_function.h"
#include "compiler/ops/op_support.h"
#include "compiler/pipeline/gpu_codegen.h"
#include "compiler/trace/graph_io.h"
#include "compiler/trace/trace_api.h"
#include "compiler/trace/variable_state.h"
#include "kiln/error.h"
#include "kiln/saved_function.h"
#include "runtime/tensor_impl.h"

namespace kiln {
namespace detail {

namespace {

std::string type_str(const rules::TensorType& t) {
  return std::string(dtype_name(t.dtype)) + " " + shape_str(t.shape);
}
std::string types_str(const std::vector<rules::TensorType>& types) {
  std::string s = "(";
  for (size_t i = 0; i < types.size(); ++i) s += (i ? ", " : "") + type_str(types[i]);
  return s + ")";
}
bool fits(const Tensor& t, const rules::TensorType& want) {
  const Shape& shape = shape_of(t);
  if (t.dtype() != want.dtype || shape.size() != want.shape.size()) return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (want.shape[d] != -1 && want.shape[d] != shape[d]) return false;
  return true;
}

}  // namespace

/// One concrete function of the file: what it was saved as, and its compiled forms.
struct LoadedConcrete {
  saved::Concrete saved;
  std::vector<std::shared_ptr<VariableState>> states;  // per kiln.read_variable index
  std::mutex mutex;
  std::map<std::pair<int, int>, std::shared_ptr<ConcreteFunction>> compiled;  // per device
};

struct LoadedCore {
  std::string path;
  std::string name;
  std::string writer;
  LoadOptions options;
  std::vector<std::unique_ptr<Variable>> variables;  // the file's table, in its order
  std::vector<std::unique_ptr<LoadedConcrete>> functions;
  std::vector<SavedSignature> signatures;

  [[noreturn]] void fail(const std::string& why) const {
    throw Error("[load] '" + path + "': " + why);
  }

  CompileSettings settings() const {
    return {.jit = options.jit, .codegen = {}, .name = name, .defined_at = {}, .texts = false};
  }

  /// Parses function k's graph and checks it against the manifest: its arguments are the
  /// saved arguments then the captures, its results the saved results, and each variable
  /// it reads or writes is in the table with the type it uses.
  GraphPtr parse(size_t k) const {
    const LoadedConcrete& f = *functions[k];
    const std::string what = "[load] '" + path + "': function " + std::to_string(k);
    GraphPtr graph = parse_graph(f.saved.graph, what);
    std::vector<rules::TensorType> want = f.saved.args;
    for (const Tensor& c : f.saved.captures) want.push_back({c.dtype(), c.shape().vec()});
    const std::vector<rules::TensorType> args = argument_types(*graph);
    if (args != want)
      throw Error(what + ": its graph takes " + types_str(args) + ", the manifest says " +
                  types_str(want) + " (arguments, then captures)");
    const std::vector<rules::TensorType> results = result_types(*graph);
    if (results != f.saved.results)
      throw Error(what + ": its graph returns " + types_str(results) + ", the manifest says " +
                  types_str(f.saved.results));
    for (const VariableUse& use : variable_uses(*graph)) {
      if (use.index >= f.states.size())
        throw Error(what + ": its graph uses variable " + std::to_string(use.index) + " of " +
                    std::to_string(f.states.size()));
      const VariableState& v = *f.states[static_cast<size_t>(use.index)];
      if (use.type.dtype != v.dtype || use.type.shape != v.shape)
        throw Error(what + ": its graph " + (use.write ? "writes " : "reads ") + "variable '" +
                    v.name + "' as " + type_str(use.type) + "; the variable is " +
                    type_str({v.dtype, v.shape}));
    }
    return graph;
  }

  /// Function k compiled for `device` (made on first use; `graph`: already parsed).
  std::shared_ptr<ConcreteFunction> compiled(size_t k, Device device, GraphPtr graph = nullptr) {
    LoadedConcrete& f = *functions[k];
    std::lock_guard<std::mutex> lock(f.mutex);
    auto& slot = f.compiled[{device.kind, device.index}];
    if (slot) return slot;
    auto fn = std::make_shared<ConcreteFunction>();
    fn->arg_types = f.saved.args;
    fn->result_types = f.saved.results;
    fn->device = device;
    fn->traced.graph = graph ? std::move(graph) : parse(k);
    fn->traced.variables = f.states;
    fn->traced.captures = f.saved.captures;
    fn->ir_of(Stage::traced) = f.saved.graph;
    const Clock::time_point now = Clock::now();
    compile_graph(*fn, settings(), now, -1, now);
    slot = fn;
    return slot;
  }

  saved::File file() const {
    saved::File out;
    for (const auto& v : variables) out.variables.push_back({v->name(), to_host(v->value())});
    for (const auto& f : functions) out.functions.push_back(f->saved);
    return out;
  }
};

}  // namespace detail

SavedFileInfo inspect_saved(const std::string& path) {
  namespace d = detail;
  std::string why;
  std::optional<std::string> bytes =
      d::files::read_file(path, d::saved::kMaxFileBytes, /*touch=*/false, &why);
  if (!bytes) throw Error("[load] '" + path + "': " + why);
  const d::saved::File file = d::saved::decode(*bytes, "'" + path + "'");
  SavedFileInfo info;
  info.writer_version = file.kiln_version;
  info.format_version = file.format_version;
  info.dialect_version = file.dialect_version;
  for (const d::saved::Concrete& c : file.functions) {
    info.names.push_back(c.name);
    SavedSignature signature;
    for (const auto& t : c.args) signature.args.push_back({t.shape, t.dtype});
    for (const auto& t : c.results) signature.results.push_back({t.shape, t.dtype});
    info.signatures.push_back(std::move(signature));
  }
  for (const d::saved::Variable& v : file.variables) {
    info.variable_names.push_back(v.name);
    info.variable_specs.push_back({v.value.shape().vec(), v.value.dtype()});
  }
  return info;
}

LoadedFunction load(const std::string& path, LoadOptions options) {
  namespace d = detail;
  if (d::tracing()) throw Error("[load] '" + path + "': load runs outside kiln::function traces");
  auto core = std::make_shared<d::LoadedCore>();
  core->path = path;
  core->options = options;
  std::string why;
  std::optional<std::string> bytes =
      d::files::read_file(path, d::saved::kMaxFileBytes, /*touch=*/false, &why);
  if (!bytes) core->fail(why);
  d::saved::File file = d::saved::decode(*bytes, "'" + path + "'");
  bytes.reset();
  core->writer = file.kiln_version;
  core->name = file.functions.front().name;
  for (d::saved::Variable& v : file.variables) {
    if (!options.allow_nonfinite)
      if (std::string problem = d::safetensors::nonfinite_problem(v.value); !problem.empty())
        core->fail("variable '" + v.name + "' " + problem +
                   " (LoadOptions::allow_nonfinite accepts them)");
    core->variables.push_back(std::make_unique<Variable>(std::move(v.value), v.name));
  }
  for (d::saved::Concrete& c : file.functions) {
    auto f = std::make_unique<d::LoadedConcrete>();
    for (int64_t index : c.variables)
      f->states.push_back(core->variables[static_cast<size_t>(index)]->state());
    SavedSignature signature;
    for (const auto& t : c.args) signature.args.push_back({t.shape, t.dtype});
    for (const auto& t : c.results) signature.results.push_back({t.shape, t.dtype});
    core->signatures.push_back(std::move(signature));
    f->saved = std::move(c);
    core->functions.push_back(std::move(f));
  }
  // Every graph is checked (and compiled for the CPU) now: a bad file fails here, whole.
  for (size_t k = 0; k < core->functions.size(); ++k) core->compiled(k, Device{}, core->parse(k));
  LoadedFunction loaded;
  loaded.core_ = std::move(core);
  return loaded;
}

std::vector<Tensor> LoadedFunction::operator()(const std::vector<Tensor>& args) const {
  namespace d = detail;
  d::LoadedCore& core = *core_;
  const std::string head = "[" + core.name + "] ";
  for (size_t i = 0; i < args.size(); ++i) {
    const Tensor& t = args[i];
    d::CallSite site{"call"};
    d::check_operands(site, {&t});
    if (d::is_symbolic(t))
      throw Error(head +
                  "a loaded function cannot be called while a kiln::function traces "
                  "(argument " +
                  std::to_string(i) + " is a traced tensor)");
    if (t.device() != args.front().device())
      throw Error(head + "argument " + std::to_string(i) + " is on " + to_string(t.device()) +
                  " and argument 0 on " + to_string(args.front().device()) +
                  ": a call runs on one device; move the arguments there with .to(device)");
  }
  // The first saved function the arguments fit.
  size_t chosen = core.functions.size();
  for (size_t k = 0; k < core.functions.size() && chosen == core.functions.size(); ++k) {
    const auto& want = core.functions[k]->saved.args;
    bool ok = want.size() == args.size();
    for (size_t i = 0; ok && i < args.size(); ++i) ok = d::fits(args[i], want[i]);
    if (ok) chosen = k;
  }
  if (chosen == core.functions.size()) {
    if (core.functions.size() == 1) {  // the message a traced function with a signature gives
      const auto& want = core.functions.front()->saved.args;
      if (want.size() != args.size())
        throw Error(head + "called with " + std::to_string(args.size()) +
                    " tensor arguments; input_signature declares " + std::to_string(want.size()));
      for (size_t i = 0; i < args.size(); ++i)
        if (!d::fits(args[i], want[i]))
          throw Error(head + "argument " + std::to_string(i) +
                      " does not match input_signature: expected " + d::type_str(want[i]) +
                      ", got " + d::type_str({args[i].dtype(), d::shape_of(args[i])}));
    }
    std::vector<rules::TensorType> got;
    for (const Tensor& t : args) got.push_back({t.dtype(), d::shape_of(t)});
    std::string saved;
    for (const auto& f : core.functions)
      saved += (saved.empty() ? "" : ", ") + d::types_str(f->saved.args);
    throw Error(head + "arguments " + d::types_str(got) + " fit none of the saved signatures: " +
                saved + " (loaded from '" + core.path + "')");
  }
  d::LoadedConcrete& f = *core.functions[chosen];
  if (d::taping()) {
    // A loaded graph carries no gradient: a tape that would record this call must not get
    // zeros silently.
    std::vector<Tensor> outputs;
    for (const auto& t : f.saved.results) outputs.push_back(zeros({}, t.dtype));
    if (d::would_record(args, f.states, outputs))
      throw Error(head +
                  "a loaded function is not differentiable: a GradientTape records "
                  "this call (it watches an argument or a variable the function reads)");
  }
  const Device device = args.empty() ? Device{} : args.front().device();
  std::shared_ptr<d::ConcreteFunction> fn = core.compiled(chosen, device);
  if (fn->device_captures.empty()) return fn->executable.call(args, args.size(), device);
  std::vector<Tensor> inputs = args;
  inputs.insert(inputs.end(), fn->device_captures.begin(), fn->device_captures.end());
  return fn->executable.call(inputs, args.size(), device);
}

const std::vector<SavedSignature>& LoadedFunction::signatures() const { return core_->signatures; }

std::vector<Variable*> LoadedFunction::variables() const {
  std::vector<Variable*> out;
  for (const auto& v : core_->variables) out.push_back(v.get());
  return out;
}

std::string LoadedFunction::ir(Stage stage, size_t function) const {
  namespace d = detail;
  if (function >= core_->functions.size())
    throw Error("[" + core_->name + "] ir: function " + std::to_string(function) + " of " +
                std::to_string(core_->functions.size()));
  if (stage == Stage::traced) return core_->functions[function]->saved.graph;
  std::shared_ptr<d::ConcreteFunction> fn = core_->compiled(function, Device{});
  if (stage == Stage::ptx) {
    std::string ptx = d::compile_fusions_to_ptx(fn->ir_of(Stage::optimized), "sm_90").ptx;
    return ptx.empty() ? "// kiln: no fused kernels (every op runs as a library kernel)\n" : ptx;
  }
  if (stage > Stage::optimized) {
    if (!core_->options.jit)
      throw Error("[ir] stage '" + std::string(stage_name(stage)) +
                  "' exists only with jit=true: graph mode (jit=false) stops at 'optimized'");
    d::make_stage_texts(*fn, core_->settings());
  }
  return fn->ir_of(stage);
}

void LoadedFunction::save(const std::string& path) const {
  detail::safetensors::write_file_atomically(path, detail::saved::encode(core_->file()));
}

const std::string& LoadedFunction::name() const { return core_->name; }
const std::string& LoadedFunction::writer_version() const { return core_->writer; }

}  // namespace kiln
