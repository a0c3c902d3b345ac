// kiln::function's machinery: signatures, the per-function LRU cache of concrete
// functions, single-flight tracing, and the cached-call path (signature, one lookup, run
// the plan).
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>

#include "compiler/autodiff/tape.h"
#include "compiler/function/concrete_function.h"
#include "compiler/function/host_key.h"
#include "compiler/io/safetensors.h"
#include "compiler/io/saved_function.h"
#include "compiler/ops/op_support.h"
#include "compiler/pipeline/cached_compile.h"
#include "compiler/pipeline/codegen.h"
#include "compiler/pipeline/gpu_codegen.h"
#include "compiler/pipeline/jit.h"
#include "compiler/trace/trace.h"
#include "kiln/error.h"
#include "kiln/function.h"
#include "runtime/cuda_device.h"
#include "runtime/profiler.h"
#include "runtime/tensor_impl.h"

namespace kiln {

std::string_view stage_name(Stage stage) {
  switch (stage) {
#define KILN_STAGE_NAME(name, what) \
  case Stage::name:                 \
    return #name;
    KILN_STAGE_LIST(KILN_STAGE_NAME)
#undef KILN_STAGE_NAME
  }
  return "?";
}

std::string_view stage_description(Stage stage) {
  switch (stage) {
#define KILN_STAGE_DESCRIPTION(name, what) \
  case Stage::name:                        \
    return what;
    KILN_STAGE_LIST(KILN_STAGE_DESCRIPTION)
#undef KILN_STAGE_DESCRIPTION
  }
  return "?";
}

namespace detail {
namespace {

/// What identifies a concrete function: per tensor argument its dtype, device and shape
/// (dynamic dimensions as -1), plus the host arguments' text.
struct Signature {
  std::vector<int64_t> tensors;  // per tensor: dtype, device kind, device index, rank, dims...
  std::string host;
  bool operator==(const Signature&) const = default;
};
struct SignatureHash {
  size_t operator()(const Signature& s) const {
    size_t h = std::hash<std::string>()(s.host);
    for (int64_t v : s.tensors) h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h;
  }
};

struct Entry {
  std::shared_ptr<ConcreteFunction> fn;  // null while its trace is in flight
  std::list<Signature>::iterator lru;
};

std::string spec_str(const Shape& shape, DType dtype) {
  return std::string(dtype_name(dtype)) + " " + shape_str(shape);
}

}  // namespace

class FunctionCore {
 public:
  FunctionCore(FunctionOptions options, std::source_location defined_at)
      : options_(std::move(options)), defined_at_(defined_at) {}

  /// Why the cached concrete function these arguments select was traced; "" if none is
  /// cached. A diagnostic: it searches the cache for a function the arguments fit (its -1
  /// dimensions take any size).
  std::string miss_reason_for(const FlatArgs& args) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Signature& s : lru_) {
      const ConcreteFunction* fn = cache_.at(s).fn.get();
      if (fn == nullptr || fn->host != args.key || fn->arg_types.size() != args.tensors.size())
        continue;
      bool fits = true;
      for (size_t i = 0; fits && i < args.tensors.size(); ++i) {
        const Tensor& t = args.tensors[i];
        const rules::TensorType& want = fn->arg_types[i];
        fits = t.defined() && t.dtype() == want.dtype && t.device() == fn->device &&
               t.rank() == static_cast<int64_t>(want.shape.size());
        for (size_t d = 0; fits && d < want.shape.size(); ++d)
          fits = want.shape[d] == -1 || want.shape[d] == shape_of(t)[d];
      }
      if (fits) return fn->miss_reason;
    }
    return "";
  }

  std::vector<Tensor> call(const FlatArgs& args, const TraceFn& trace_fn) {
    if (runtime::profiler::active()) [[unlikely]]
      return profiled_call(args, trace_fn);
    auto fn = cached(args);
    if (!fn) fn = concrete(args, trace_fn);
    return call_concrete(args, trace_fn, fn);
  }

  /// call() while the profiler records: the call is a "call" event holding its compile
  /// phases (on a miss) and its plan's steps.
  std::vector<Tensor> profiled_call(const FlatArgs& args, const TraceFn& trace_fn) {
    const uint64_t start = runtime::profiler::now_ns();
    std::shared_ptr<ConcreteFunction> fn;
    std::vector<Tensor> results;
    bool hit = false;
    {
      runtime::profiler::QuietOps quiet;  // the ops it checks arguments with are the call's
      fn = cached(args);
      hit = fn != nullptr;
      if (!fn) fn = concrete(args, trace_fn);
      results = call_concrete(args, trace_fn, fn);
    }
    const uint64_t end = runtime::profiler::now_ns();
    runtime::profiler::record({"call " + name(), "call", runtime::file_line(defined_at_),
                               hit ? "cache hit" : "cache miss: " + fn->miss_reason, start,
                               end - start, 0, 0});
    return results;
  }

  std::vector<Tensor> call_concrete(const FlatArgs& args, const TraceFn& trace_fn,
                                    const std::shared_ptr<ConcreteFunction>& fn) {
    const bool taped = taping();
    if (fn->device_captures.empty() && !taped) return run(*fn, args.tensors.size(), args.tensors);
    std::vector<Tensor> inputs = args.tensors;
    inputs.insert(inputs.end(), fn->device_captures.begin(), fn->device_captures.end());
    if (!taped) return run(*fn, args.tensors.size(), inputs);
    return taped_call(args, trace_fn, *fn, inputs);
  }

  /// A call while a GradientTape records: the call is one node of the tape whose gradient is
  /// the function's own traced gradient (as TensorFlow records a tf.function), for watched
  /// arguments and the variables the function reads. The gradient function is traced now,
  /// while the call's arguments (and the callable they are passed to) exist: it replays the
  /// function on the arguments and on the variables' values as this call found them, under a
  /// tape, without its effects (compiler/trace/trace.h, GradientReplay), and returns the
  /// arguments' and the variables' gradients for given gradients of the results.
  std::vector<Tensor> taped_call(const FlatArgs& args, const TraceFn& trace_fn,
                                 ConcreteFunction& fn, const std::vector<Tensor>& inputs) {
    const std::vector<std::shared_ptr<VariableState>>& variables = fn.traced.variables;
    std::vector<Tensor> values;  // what the variables hold as the call starts
    for (const auto& v : variables) values.push_back(to_device(v->read(), fn.device));
    std::vector<Tensor> results;
    {
      TapeSuspension hide_tapes;
      results = run(fn, args.tensors.size(), inputs);
    }
    // A result that is an argument itself (returned as it came) gets a handle of its own:
    // the tape must see it as this call's output, not as the argument it already tracks.
    for (Tensor& r : results)
      for (const Tensor& a : args.tensors)
        if (r.impl() == a.impl()) r = view(r, shape_of(r));
    if (!would_record(args.tensors, variables, results))
      return results;  // nothing to differentiate
    const size_t n = args.tensors.size(), m = variables.size(), k = results.size();
    // The gradient's signature: the arguments, the variables' values, one upstream gradient
    // per result (the results stand in for them: same types).
    FlatArgs grad_args{args.tensors, args.key};
    grad_args.tensors.insert(grad_args.tensors.end(), values.begin(), values.end());
    grad_args.tensors.insert(grad_args.tensors.end(), results.begin(), results.end());
    TraceFn gradient_fn = [&trace_fn, &variables, n, m, k](const std::vector<Tensor>& sym) {
      std::vector<Tensor> call_args(sym.begin(), sym.begin() + n);
      std::vector<Tensor> var_values(sym.begin() + n, sym.begin() + n + m);
      std::vector<Tensor> result_grads(sym.begin() + n + m, sym.begin() + n + m + k);
      GradientReplay replay(variables, var_values);
      return differentiate([&] { return trace_fn(call_args); }, result_grads, call_args, variables);
    };
    std::shared_ptr<ConcreteFunction> grad = gradient_core(fn).concrete(grad_args, gradient_fn);
    std::vector<Tensor> call_args = args.tensors;
    std::shared_ptr<FunctionCore> core = gradient_core_;
    const std::string what = name();
    record_custom(
        what, call_args, variables, results,
        [core, grad, call_args, values, what](const std::vector<Tensor>& result_grads) {
          if (taping())  // a tape around this gradient: it would see nothing
            throw Error("[GradientTape] the gradient of a call of the compiled function '" + what +
                        "' is not differentiable again (a second derivative); "
                        "create the tapes inside the function instead");
          std::vector<Tensor> in = call_args;
          in.insert(in.end(), values.begin(), values.end());
          in.insert(in.end(), result_grads.begin(), result_grads.end());
          in.insert(in.end(), grad->device_captures.begin(), grad->device_captures.end());
          return core->run(*grad, call_args.size() + values.size() + result_grads.size(), in);
        });
    return results;
  }

  /// The function that computes this one's gradients (taped_call), made on first use. With
  /// an input_signature (one concrete function), the gradient's is derived from it, so its
  /// dynamic dimensions stay dynamic: the arguments', the variables' and the results' types.
  FunctionCore& gradient_core(const ConcreteFunction& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!gradient_core_) {
      FunctionOptions options = options_;
      options.name = name() + "_gradient";
      options.input_signature.reset();
      if (options_.input_signature) {
        std::vector<TensorSpec> specs;
        for (const auto& t : fn.arg_types) specs.push_back({t.shape, t.dtype});
        for (const auto& v : fn.traced.variables) specs.push_back({v->shape, v->dtype});
        for (const auto& t : fn.result_types) specs.push_back({t.shape, t.dtype});
        options.input_signature = std::move(specs);
      }
      gradient_core_ = std::make_shared<FunctionCore>(std::move(options), defined_at_);
    }
    return *gradient_core_;
  }

  /// Runs the plan in its run mode (plain, or CUDA-graph replay: runtime/graph_replay.h).
  static std::vector<Tensor> run(ConcreteFunction& fn, size_t num_args,
                                 const std::vector<Tensor>& inputs) {
    return fn.executable.call(inputs, num_args, fn.device);
  }

  std::string ir(const FlatArgs& args, const TraceFn& trace_fn, Stage stage) {
    auto fn = concrete(args, trace_fn);
    if (stage == Stage::ptx) {
      // What the function's fused kernels compile to for a CUDA device: the ones it runs
      // when its arguments are on one (jit=true), else those it would run there (sm_90),
      // from its optimized graph, with or without a GPU.
      std::string ptx =
          fn->ptx ? *fn->ptx : compile_fusions_to_ptx(ir_of(*fn, Stage::optimized), "sm_90").ptx;
      if (ptx.empty()) return "// kiln: no fused kernels (every op runs as a library kernel)\n";
      return ptx;
    }
    if (!produces(stage))
      throw Error("[ir] stage '" + std::string(stage_name(stage)) +
                  "' exists only with jit=true: graph mode (jit=false) stops at 'optimized'");
    if (stage == Stage::traced) traced_text(*fn);
    if (stage > Stage::optimized) stage_texts(*fn);
    return ir_of(*fn, stage);
  }

  /// f.save: the concrete function for these arguments, its variables and captures, to a
  /// file kiln::load reads (compiler/io/saved_function.h).
  void save(const std::string& path, const FlatArgs& args, const TraceFn& trace_fn) {
    check_not_tracing(path);
    std::shared_ptr<ConcreteFunction> fn = cached(args);
    if (!fn) fn = concrete(args, trace_fn);
    write_functions(path, {fn});
  }

  /// f.save_all: every concrete function cached now, oldest first, in one file.
  void save_all(const std::string& path) {
    check_not_tracing(path);
    std::vector<std::shared_ptr<ConcreteFunction>> fns;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = lru_.rbegin(); it != lru_.rend(); ++it)
        if (const auto& fn = cache_.at(*it).fn) fns.push_back(fn);
    }
    if (fns.empty())
      throw Error("[" + name() + "] save_all('" + path +
                  "'): no concrete function is cached yet: call the function first, or "
                  "save(path, args...)");
    write_functions(path, fns);
  }

  /// Writes concrete functions and the variables they capture (each once, found by name)
  /// to `path` atomically.
  void write_functions(const std::string& path,
                       const std::vector<std::shared_ptr<ConcreteFunction>>& fns) {
    saved::File file;
    std::map<const VariableState*, int64_t> index_of;
    std::map<std::string, const VariableState*> by_name;
    for (const auto& fn : fns) {
      saved::Concrete c;
      c.name = name();
      c.args = fn->arg_types;
      c.results = fn->result_types;
      c.graph = ir_of(*fn, Stage::optimized);
      for (const Tensor& t : fn->traced.captures) c.captures.push_back(to_host(t));
      for (const auto& v : fn->traced.variables) {
        if (auto known = index_of.find(v.get()); known != index_of.end()) {
          c.variables.push_back(known->second);
          continue;
        }
        if (!v->named)
          throw Error("[" + name() + "] save('" + path +
                      "'): it captures a variable without a name ('" + v->name +
                      "' in this process only); a saved function's variables are found "
                      "by name: Variable(value, \"name\")");
        if (by_name.count(v->name))
          throw Error("[" + name() + "] save('" + path + "'): it captures two variables named '" +
                      v->name + "'; a saved function's variables are found by name");
        by_name[v->name] = v.get();
        index_of[v.get()] = static_cast<int64_t>(file.variables.size());
        c.variables.push_back(static_cast<int64_t>(file.variables.size()));
        file.variables.push_back({v->name, to_host(v->read())});
      }
      file.functions.push_back(std::move(c));
    }
    safetensors::write_file_atomically(path, saved::encode(file));
  }

  void check_not_tracing(const std::string& path) const {
    if (tracing())
      throw Error("[" + name() + "] save('" + path +
                  "') inside a kiln::function trace: save between calls");
  }

  /// f.save(path)'s arguments: the input_signature's types, 1 for each -1.
  std::vector<Tensor> signature_arguments(int arity) const {
    if (!options_.input_signature)
      throw Error("[" + name() +
                  "] save(path) saves the input_signature's concrete function, and this "
                  "function has none: declare one, or pass example arguments, save(path, args...)");
    const auto& specs = *options_.input_signature;
    if (arity < 0 || static_cast<size_t>(arity) != specs.size())
      throw Error("[" + name() + "] save(path): the input_signature declares " +
                  std::to_string(specs.size()) + " tensors, and the callable " +
                  (arity < 0 ? std::string("does not take tensors only")
                             : "takes " + std::to_string(arity)) +
                  ": pass example arguments, save(path, args...)");
    std::vector<Tensor> out;
    for (const TensorSpec& spec : specs) {
      Shape shape = spec.shape;
      for (int64_t& d : shape)
        if (d < 0) d = 1;
      out.push_back(zeros(shape, spec.dtype));
    }
    return out;
  }

  size_t trace_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return traces_;
  }
  size_t cache_size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& [sig, e] : cache_) n += e.fn != nullptr;
    return n;
  }
  FunctionStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  /// The argument types the graph is traced with, after input_signature; throws (with
  /// nothing changed) when an argument does not fit the declared signature.
  std::vector<rules::TensorType> arg_types(const FlatArgs& args) {
    std::vector<rules::TensorType> types;
    for (size_t i = 0; i < args.tensors.size(); ++i) {
      const Tensor& t = args.tensors[i];
      CallSite site{"function"};
      check_operands(site, {&t});
      if (t.device() != args.tensors.front().device())
        throw Error("[" + name() + "] argument " + std::to_string(i) + " is on " +
                    to_string(t.device()) + " and argument 0 on " +
                    to_string(args.tensors.front().device()) +
                    ": a call runs on one device; move the arguments there with .to(device)");
      if (is_symbolic(t))
        throw Error("[function] argument " + std::to_string(i) +
                    " is a symbolic tensor of another trace");
      types.push_back({t.dtype(), t.shape()});
    }
    if (options_.input_signature) {
      const auto& specs = *options_.input_signature;
      if (specs.size() != types.size())
        throw Error("[" + name() + "] called with " + std::to_string(types.size()) +
                    " tensor arguments; input_signature declares " + std::to_string(specs.size()));
      for (size_t i = 0; i < specs.size(); ++i) {
        const auto& spec = specs[i];
        bool fits = spec.dtype == types[i].dtype && spec.shape.size() == types[i].shape.size();
        for (size_t d = 0; fits && d < spec.shape.size(); ++d)
          fits = spec.shape[d] == -1 || spec.shape[d] == types[i].shape[d];
        if (!fits)
          throw Error("[" + name() + "] argument " + std::to_string(i) + " does not match " +
                      "input_signature: expected " + spec_str(spec.shape, spec.dtype) + ", got " +
                      spec_str(types[i].shape, types[i].dtype));
        types[i].shape = spec.shape;
      }
    } else if (options_.reduce_retracing && !sizes_read_) {
      generalize(types);
    }
    return types;
  }

  /// reduce_retracing: a dimension seen with two sizes at the same argument becomes
  /// dynamic for every later trace.
  void generalize(std::vector<rules::TensorType>& types) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (seen_.size() < types.size()) seen_.resize(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      auto& seen = seen_[i];
      auto& shape = types[i].shape;
      if (seen.empty() || seen.size() != shape.size()) {
        if (seen.empty()) seen = shape;
        continue;
      }
      for (size_t d = 0; d < shape.size(); ++d) {
        if (seen[d] != -1 && seen[d] != shape[d]) seen[d] = -1;
        if (seen[d] == -1) shape[d] = -1;
      }
    }
  }

  Signature signature(const FlatArgs& args, const std::vector<rules::TensorType>& types) {
    Signature s;
    for (size_t i = 0; i < types.size(); ++i) {
      const auto& t = types[i];
      Device dev = args.tensors[i].device();
      s.tensors.push_back(static_cast<int64_t>(t.dtype));
      s.tensors.push_back(dev.kind);
      s.tensors.push_back(dev.index);
      s.tensors.push_back(static_cast<int64_t>(t.shape.size()));
      s.tensors.insert(s.tensors.end(), t.shape.begin(), t.shape.end());
    }
    s.host = args.key;
    return s;
  }

  std::string name() const { return options_.name.empty() ? "function" : options_.name; }

  /// Whether a concrete function keeps the MLIR of `stage`: graph mode stops at
  /// 'optimized'; PTX is made on request (ir()).
  bool produces(Stage stage) const {
    return stage <= Stage::optimized || (options_.jit && stage != Stage::ptx);
  }
  static std::string& ir_of(ConcreteFunction& fn, Stage stage) { return fn.ir_of(stage); }
  CodegenOptions codegen_options() const { return {.fast_math = options_.fast_math}; }
  CompileSettings settings() const {
    return {.jit = options_.jit,
            .codegen = codegen_options(),
            .name = name(),
            .defined_at = defined_at_,
            .texts = dumping()};
  }

  /// Why `sig` missed (called with the lock held): an eviction if it was cached before;
  /// else the difference from the nearest cached concrete function: one with the same
  /// tensors (then a host value changed, named with its old and new value), else the most
  /// recently used (the first tensor argument that differs).
  std::string miss_reason(const Signature& sig, const std::vector<rules::TensorType>& types,
                          Device device) {
    if (traces_ == 0) return "first call";
    for (const auto& [was, bound] : evicted_)
      if (was == sig) return "evicted from the cache (" + bound + ")";
    const ConcreteFunction* last = nullptr;
    for (const Signature& s : lru_) {
      const ConcreteFunction* fn = cache_.at(s).fn.get();
      if (fn == nullptr) continue;
      if (last == nullptr) last = fn;
      if (s.tensors == sig.tensors) return host_change(s.host, sig.host);
    }
    if (last == nullptr) return "evicted from the cache";
    const auto& was = last->arg_types;
    if (was.size() != types.size())
      return std::to_string(was.size()) + " -> " + std::to_string(types.size()) +
             " tensor arguments";
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i].dtype != was[i].dtype)
        return "argument " + std::to_string(i) + ": dtype " +
               std::string(dtype_name(was[i].dtype)) + " -> " +
               std::string(dtype_name(types[i].dtype));
      if (types[i].shape != was[i].shape)
        return "argument " + std::to_string(i) + ": shape " + shape_str(was[i].shape) + " -> " +
               shape_str(types[i].shape);
    }
    if (device != last->device)
      return "device " + to_string(last->device) + " -> " + to_string(device);
    return host_change(last->host, sig.host);
  }

  /// A cached call's lookup: the concrete function for these arguments if it is cached and
  /// built, else null (and concrete() takes over: a miss, an argument to refuse, a trace in
  /// flight, reduce_retracing). Builds the signature in this thread's scratch space, so a
  /// hit allocates nothing.
  std::shared_ptr<ConcreteFunction> cached(const FlatArgs& args) {
    if (options_.reduce_retracing && !options_.input_signature) return nullptr;
    thread_local Signature sig;
    sig.tensors.clear();
    const auto* specs = options_.input_signature ? &*options_.input_signature : nullptr;
    if (specs != nullptr && specs->size() != args.tensors.size()) return nullptr;
    for (size_t i = 0; i < args.tensors.size(); ++i) {
      const Tensor& t = args.tensors[i];
      if (!t.defined() || is_symbolic(t)) return nullptr;
      const Device dev = t.device();
      if (dev != args.tensors.front().device()) return nullptr;
      const Shape& shape = shape_of(t);
      const Shape* dims = &shape;
      if (specs != nullptr) {
        const TensorSpec& spec = (*specs)[i];
        if (spec.dtype != t.dtype() || spec.shape.size() != shape.size()) return nullptr;
        for (size_t d = 0; d < shape.size(); ++d)
          if (spec.shape[d] != -1 && spec.shape[d] != shape[d]) return nullptr;
        dims = &spec.shape;
      }
      sig.tensors.push_back(static_cast<int64_t>(t.dtype()));
      sig.tensors.push_back(dev.kind);
      sig.tensors.push_back(dev.index);
      sig.tensors.push_back(static_cast<int64_t>(dims->size()));
      sig.tensors.insert(sig.tensors.end(), dims->begin(), dims->end());
    }
    sig.host = args.key;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(sig);
    if (it == cache_.end() || !it->second.fn) return nullptr;
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.fn;
  }

  std::shared_ptr<ConcreteFunction> concrete(const FlatArgs& args, const TraceFn& trace_fn) {
    std::vector<rules::TensorType> types = arg_types(args);
    Signature sig = signature(args, types);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      auto it = cache_.find(sig);
      if (it == cache_.end()) break;
      if (it->second.fn) {
        ++stats_.hits;
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.fn;
      }
      traced_.wait(lock);  // single flight: another thread traces this signature
    }
    // Miss: reserve the signature so concurrent callers wait for this trace.
    ++stats_.misses;
    const std::string reason =
        miss_reason(sig, types, args.tensors.empty() ? Device{} : args.tensors.front().device());
    stats_.last_miss_reason = reason;
    lru_.push_front(sig);
    cache_.emplace(sig, Entry{nullptr, lru_.begin()});
    const bool first = traces_ == 0;
    lock.unlock();

    std::shared_ptr<ConcreteFunction> fn;
    bool retry = false;
    try {
      fn = build(types, trace_fn, first,
                 args.tensors.empty() ? Device{} : args.tensors.front().device());
    } catch (const DynamicShapeError&) {
      // reduce_retracing made a dimension dynamic, and the function needs its size while
      // tracing (it reads x.shape()[i], or squeezes every size-1 axis): each size gets a
      // trace of its own from now on, as without reduce_retracing. A dimension the user
      // declared dynamic (input_signature) is the user's to handle: the error stands.
      retry = options_.reduce_retracing && !options_.input_signature && !sizes_read_;
      if (!retry) {
        forget(sig);
        throw;
      }
    } catch (...) {
      forget(sig);
      throw;
    }
    if (retry) {
      forget(sig);
      {
        std::lock_guard<std::mutex> guard(mutex_);
        sizes_read_ = true;
        --stats_.misses;  // the retry counts the miss
      }
      return concrete(args, trace_fn);
    }

    lock.lock();
    ++traces_;
    fn->host = args.key;
    fn->miss_reason = reason;
    cache_.at(sig).fn = fn;
    stats_.cache_bytes += fn->bytes;
    evict();
    traced_.notify_all();
    return fn;
  }

  /// Drops the reservation of a signature whose trace failed (the cache is as it was).
  void forget(const Signature& sig) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(sig);
    lru_.erase(it->second.lru);
    cache_.erase(it);
    traced_.notify_all();
  }

  std::shared_ptr<ConcreteFunction> build(const std::vector<rules::TensorType>& types,
                                          const TraceFn& trace_fn, bool first, Device device) {
    auto fn = std::make_shared<ConcreteFunction>();
    fn->arg_types = types;
    fn->device = device;
    auto t0 = Clock::now();
    {
      runtime::profiler::QuietOps quiet;  // the trace's ops are the "trace" phase's
      fn->traced = trace(options_.name, types, trace_fn, first, defined_at_, device);
    }
    // Kept as traced for Stage::traced's text, printed only when asked for.
    fn->as_traced = copy(*fn->traced.graph);
    fn->result_types = result_types(*fn->traced.graph);
    double trace_ms = ms_since(t0);
    const CompileTimes times = compile_graph(*fn, settings(), t0, trace_ms, Clock::now());
    dump(*fn);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.trace_ms += trace_ms;
    stats_.compile_ms += times.compile_ms;
    stats_.optimize_ms += times.optimize_ms;
    stats_.codegen_ms += times.codegen_ms;
    if (times.disk_enabled) {
      ++(times.disk_hit ? stats_.disk_hits : stats_.disk_misses);
      stats_.disk_ms += times.disk_ms;
    }
    return fn;
  }

  /// KILN_DUMP_IR=<dir>: every stage of every trace, one file each.
  static bool dumping() {
    const char* dir = std::getenv("KILN_DUMP_IR");
    return dir != nullptr && *dir != '\0';
  }

  /// Stage::traced's text, printed on first request (make_traced_text).
  void traced_text(ConcreteFunction& fn) { count_bytes(fn, make_traced_text(fn)); }

  /// The fused, lowered and llvm texts of a CPU jit function, made on first request from
  /// its optimized text by the passes that compiled it (jit_stage_texts).
  void stage_texts(ConcreteFunction& fn) {
    count_bytes(fn, static_cast<std::ptrdiff_t>(make_stage_texts(fn, settings())));
  }

  /// `fn` now holds `added` bytes more (or fewer): in its size and, while it is cached, in
  /// the cache's.
  void count_bytes(ConcreteFunction& fn, std::ptrdiff_t added) {
    if (added == 0) return;
    auto plus = [added](size_t& bytes) {
      bytes = static_cast<size_t>(static_cast<std::ptrdiff_t>(bytes) + added);
    };
    std::lock_guard<std::mutex> lock(mutex_);
    plus(fn.bytes);
    for (const auto& [sig, e] : cache_)
      if (e.fn.get() == &fn) plus(stats_.cache_bytes);  // still held: it counts
  }

  void dump(ConcreteFunction& fn) {
    const char* dir = std::getenv("KILN_DUMP_IR");
    if (dir == nullptr || *dir == '\0') return;
    traced_text(fn);
    stage_texts(fn);  // a function whose code came from the compile cache
    std::string key;
    for (const auto& t : fn.arg_types) key += spec_str(t.shape, t.dtype) + ";";
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>()(key));
    std::filesystem::create_directories(dir);
    for (Stage stage : kStages) {
      if (!produces(stage)) continue;
      std::ofstream out(std::string(dir) + "/" + name() + "." + hash + "." +
                        std::string(stage_name(stage)) + ".mlir");
      out << fn.ir[static_cast<size_t>(stage)];
    }
  }

  /// Drops least recently used concrete functions beyond the capacity and the byte bound
  /// (never one whose trace is still in flight; the byte bound keeps the most recently used).
  void evict() {
    size_t ready = 0;
    for (const auto& [s, e] : cache_) ready += e.fn != nullptr;
    auto over = [&] {
      return ready > options_.cache_capacity ||
             (options_.cache_max_bytes != 0 && stats_.cache_bytes > options_.cache_max_bytes &&
              ready > 1);
    };
    auto it = lru_.end();
    while (over() && it != lru_.begin()) {
      --it;
      auto entry = cache_.find(*it);
      if (entry->second.fn == nullptr) continue;
      // Why it went, for the miss reason of a later call with this signature.
      const bool by_count = ready > options_.cache_capacity;
      evicted_.push_front(
          {*it, by_count ? "cache_capacity=" + std::to_string(options_.cache_capacity)
                         : "cache_max_bytes=" + std::to_string(options_.cache_max_bytes)});
      if (evicted_.size() > kRememberedEvictions) evicted_.pop_back();
      stats_.cache_bytes -= entry->second.fn->bytes;
      ++stats_.evictions;
      cache_.erase(entry);
      it = lru_.erase(it);
      --ready;
    }
  }

  FunctionOptions options_;
  std::source_location defined_at_;
  mutable std::mutex mutex_;
  std::condition_variable traced_;
  std::unordered_map<Signature, Entry, SignatureHash> cache_;
  std::list<Signature> lru_;  // most recently used first
  // The latest evicted signatures and the bound that dropped each, newest first.
  static constexpr size_t kRememberedEvictions = 64;
  std::deque<std::pair<Signature, std::string>> evicted_;
  size_t traces_ = 0;
  FunctionStats stats_;
  std::vector<Shape> seen_;  // reduce_retracing: per argument, -1 where sizes varied
  std::shared_ptr<FunctionCore> gradient_core_;  // taped_call: this function's gradient
  bool sizes_read_ = false;  // reduce_retracing: a trace needed a dynamic size: no more -1
};

FunctionBase::FunctionBase(FunctionOptions options, std::source_location defined_at)
    : core_(std::make_shared<FunctionCore>(std::move(options), defined_at)) {}
std::vector<Tensor> FunctionBase::call(const FlatArgs& args, const TraceFn& trace) {
  return core_->call(args, trace);
}
std::string FunctionBase::ir(const FlatArgs& args, const TraceFn& trace, Stage stage) {
  return core_->ir(args, trace, stage);
}
size_t FunctionBase::trace_count() const { return core_->trace_count(); }
size_t FunctionBase::cache_size() const { return core_->cache_size(); }
FunctionStats FunctionBase::stats() const { return core_->stats(); }
std::string FunctionBase::miss_reason(const FlatArgs& args) const {
  return core_->miss_reason_for(args);
}
bool FunctionBase::tracing() { return detail::tracing(); }
void FunctionBase::save(const std::string& path, const FlatArgs& args, const TraceFn& trace) {
  core_->save(path, args, trace);
}
void FunctionBase::save_all(const std::string& path) { core_->save_all(path); }
std::vector<Tensor> FunctionBase::signature_arguments(int arity) const {
  return core_->signature_arguments(arity);
}

}  // namespace detail
}  // namespace kiln
