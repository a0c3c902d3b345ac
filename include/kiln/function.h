/// \file
/// kiln::function: traces a C++ callable into a graph per input signature, caches the
/// compiled graph, and runs it on later calls without running the callable.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kiln/dtype.h"
#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln {

/// The stages of a concrete function's IR in pipeline order, each with what its IR holds:
/// the one list they are spelled in. Stage, stage_name, kStages, kiln-ir's --stage and
/// KILN_DUMP_IR's files all come from it.
#define KILN_STAGE_LIST(X)                                                                 \
  X(traced, "the lambda's ops as the tracer recorded them")                                \
  X(optimized, "after canonicalization, CSE and constant folding: what graph mode runs")   \
  X(fused, "ops grouped into kiln.fusion regions (jit=true)")                              \
  X(lowered, "each fusion outlined as a kernel function of loops over scalars (jit=true)") \
  X(llvm, "the kernels in MLIR's LLVM dialect, as the JIT compiles them (jit=true)")       \
  X(ptx, "the fused kernels compiled for a CUDA device (PTX text, not MLIR)")

/// A stage of a concrete function's IR (f.ir(args..., stage), kiln-ir --stage): traced,
/// optimized, fused, lowered, llvm, ptx, in pipeline order (stage_description says what
/// each holds).
enum class Stage {
/// Internal: one Stage enumerator per KILN_STAGE_LIST entry.
#define KILN_STAGE_ENUMERATOR(name, what) name,
  KILN_STAGE_LIST(KILN_STAGE_ENUMERATOR)
#undef KILN_STAGE_ENUMERATOR
};

/// Internal: one kStages entry per KILN_STAGE_LIST entry.
#define KILN_STAGE_ENTRY(name, what) Stage::name,
/// Every stage, in pipeline order.
inline constexpr Stage kStages[] = {KILN_STAGE_LIST(KILN_STAGE_ENTRY)};
#undef KILN_STAGE_ENTRY

/// "traced", "optimized", ...
std::string_view stage_name(Stage stage);
/// What the stage's IR holds, in one line.
std::string_view stage_description(Stage stage);

/// One argument of an input_signature: a shape (-1 marks a dynamic dimension) and a dtype.
struct TensorSpec {
  Shape shape;               ///< -1 marks a dynamic dimension
  DType dtype = DType::f32;  ///< the argument's dtype
};

/// How kiln::function traces, caches and compiles (tf.function's arguments).
struct FunctionOptions {
  /// The graph's name in IR, errors and profiles (default: the callable's source line).
  std::string name;
  /// Fuse and compile kernels with the JIT; false: the optimized graph runs op by op on
  /// the eager kernels (graph mode).
  bool jit = true;
  /// Fixes the interface: one concrete function for these specs (-1 dims dynamic), and
  /// arguments that do not match are refused with a kiln::Error.
  std::optional<std::vector<TensorSpec>> input_signature;
  /// Dimensions that keep changing between calls become dynamic (one trace serves them).
  bool reduce_retracing = false;
  /// At most this many concrete functions are cached; the least recently used is dropped.
  size_t cache_capacity = 64;
  /// Also drop them while the concrete functions held take more than this many bytes
  /// (compiled code, IR, the plan's constants; FunctionStats::cache_bytes): 0, no bound.
  /// The most recently used one is always kept.
  size_t cache_max_bytes = 0;
  /// jit=true only: lets the JIT contract a*b+c across ops into one FMA (faster, rounds
  /// once instead of twice, so results may differ from eager ones by an ulp and an
  /// intermediate overflow may vanish: ACCURACY.md). Off by default: compiled == eager.
  bool fast_math = false;
};

/// What a kiln::function's cache has done so far (Function::stats()).
struct FunctionStats {
  uint64_t hits = 0;    ///< calls served by a cached concrete function
  uint64_t misses = 0;  ///< calls that traced (and compiled) a new one
  double trace_ms = 0;  ///< total over all traces
  /// Everything after the trace (optimize_ms + codegen_ms + the plan), total.
  double compile_ms = 0;
  double optimize_ms = 0;        ///< simplification and fusion, total
  double codegen_ms = 0;         ///< jit=true: lowering the fused kernels and native code, total
  std::string last_miss_reason;  ///< e.g. "argument 0: shape (2, 3) -> (4, 3)"
  uint64_t evictions = 0;    ///< concrete functions dropped by cache_capacity or cache_max_bytes
  uint64_t cache_bytes = 0;  ///< what the cached concrete functions hold now
  // The persistent compile cache (KILN_CACHE_DIR; jit=true on the CPU): traces whose
  // compiled code came from disk, traces compiled and written there, and the time spent
  // on it (keys, reads, loading the code, writes), total.
  uint64_t disk_hits = 0;    ///< traces whose compiled code came from disk
  uint64_t disk_misses = 0;  ///< traces compiled and written to disk
  double disk_ms = 0;        ///< time spent on the disk cache, total
};

namespace detail {

/// A call's arguments flattened: the tensors in order, and the text key of the host
/// values (scalars, variable identities, container lengths) that are part of the signature.
struct FlatArgs {
  std::vector<Tensor> tensors;
  std::string key;
};

/// Runs the user's callable with the given (symbolic) tensors in place of the tensor
/// arguments; returns its results flattened.
using TraceFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

class FunctionCore;  // compiler/function_core.h

/// The type-erased part of kiln::function: signature, cache, tracing, execution.
class FunctionBase {
 public:
  FunctionBase(FunctionOptions options, std::source_location defined_at);
  std::vector<Tensor> call(const FlatArgs& args, const TraceFn& trace);
  std::string ir(const FlatArgs& args, const TraceFn& trace, Stage stage);
  size_t trace_count() const;
  size_t cache_size() const;
  FunctionStats stats() const;
  std::string miss_reason(const FlatArgs& args) const;
  /// Writes the concrete function for these arguments to `path` (kiln/saved_function.h).
  void save(const std::string& path, const FlatArgs& args, const TraceFn& trace);
  /// Writes every concrete function cached now to `path`.
  void save_all(const std::string& path);
  /// Tensors of the input_signature's dtypes and shapes (1 for each -1): the arguments
  /// f.save(path) traces with. kiln::Error without an input_signature or when the callable
  /// takes another number of tensors (`arity`, -1 when it does not take tensors only).
  std::vector<Tensor> signature_arguments(int arity) const;
  /// True while this thread is tracing some function: nested calls are inlined.
  static bool tracing();

 private:
  std::shared_ptr<FunctionCore> core_;
};

// ---- flattening arguments ---------------------------------------------------------------
/// Appends "<kind><text>;" to a signature key.
inline void append_key(std::string& key, char kind, const std::string& text) {
  key += kind;
  key += text;
  key += ';';
}

template <class T>
struct ArgCodec {
  static_assert(std::is_arithmetic_v<T> || std::is_enum_v<T>,
                "kiln::function arguments are Tensor, Variable&, scalars, strings, enums and "
                "std::vector/std::tuple/std::pair of tensors");
  static size_t count(const T&) { return 0; }
  static void flatten(const T& v, FlatArgs& out) {
    if constexpr (std::is_enum_v<T>)
      append_key(out.key, 'e', std::to_string(static_cast<long long>(v)));
    else if constexpr (std::is_floating_point_v<T>)
      append_key(out.key, 'f', std::to_string(sizeof(T)) + ":" + hex_of(static_cast<double>(v)));
    else
      append_key(out.key, 'i',
                 std::to_string(sizeof(T)) + ":" + std::to_string(static_cast<long long>(v)));
  }
  static const T& rebuild(const T& v, const std::vector<Tensor>&, size_t) { return v; }
  static std::string hex_of(double d) {
    uint64_t bits;
    static_assert(sizeof bits == sizeof d);
    __builtin_memcpy(&bits, &d, sizeof d);
    return std::to_string(bits);
  }
};
template <>
struct ArgCodec<Tensor> {
  static size_t count(const Tensor&) { return 1; }
  static void flatten(const Tensor& t, FlatArgs& out) { out.tensors.push_back(t); }
  static Tensor rebuild(const Tensor&, const std::vector<Tensor>& sym, size_t at) {
    return sym[at];
  }
};
template <>
struct ArgCodec<std::string> {
  static size_t count(const std::string&) { return 0; }
  static void flatten(const std::string& s, FlatArgs& out) {
    append_key(out.key, 's', std::to_string(s.size()) + ":" + s);
  }
  static const std::string& rebuild(const std::string& s, const std::vector<Tensor>&, size_t) {
    return s;
  }
};
template <>
struct ArgCodec<Variable> {
  static size_t count(const Variable&) { return 0; }
  static void flatten(const Variable& v, FlatArgs& out) {
    // The identity, then the name (for miss reasons; compiler/function/host_key.cpp).
    append_key(out.key, 'v',
               std::to_string(reinterpret_cast<uintptr_t>(v.state().get())) + ":" +
                   std::to_string(v.name().size()) + ":" + v.name());
  }
  static Variable& rebuild(const Variable& v, const std::vector<Tensor>&, size_t) {
    return const_cast<Variable&>(v);  // the caller passed a non-const Variable&
  }
};
template <>
struct ArgCodec<std::vector<Tensor>> {
  static size_t count(const std::vector<Tensor>& v) { return v.size(); }
  static void flatten(const std::vector<Tensor>& v, FlatArgs& out) {
    append_key(out.key, 'n', std::to_string(v.size()));
    for (const Tensor& t : v) ArgCodec<Tensor>::flatten(t, out);
  }
  static std::vector<Tensor> rebuild(const std::vector<Tensor>& v, const std::vector<Tensor>& sym,
                                     size_t at) {
    return std::vector<Tensor>(sym.begin() + at, sym.begin() + at + v.size());
  }
};
template <class... Ts>
struct ArgCodec<std::tuple<Ts...>> {
  static_assert((std::is_same_v<Ts, Tensor> && ...), "tuples of Tensor only");
  using T = std::tuple<Ts...>;
  static size_t count(const T&) { return sizeof...(Ts); }
  static void flatten(const T& t, FlatArgs& out) {
    std::apply([&](const auto&... x) { (ArgCodec<Tensor>::flatten(x, out), ...); }, t);
  }
  static T rebuild(const T&, const std::vector<Tensor>& sym, size_t at) {
    return [&]<size_t... I>(std::index_sequence<I...>) { return T{sym[at + I]...}; }
    (std::index_sequence_for<Ts...>{});
  }
};
template <>
struct ArgCodec<std::pair<Tensor, Tensor>> {
  using T = std::pair<Tensor, Tensor>;
  static size_t count(const T&) { return 2; }
  static void flatten(const T& t, FlatArgs& out) {
    ArgCodec<Tensor>::flatten(t.first, out);
    ArgCodec<Tensor>::flatten(t.second, out);
  }
  static T rebuild(const T&, const std::vector<Tensor>& sym, size_t at) {
    return {sym[at], sym[at + 1]};
  }
};

// ---- results ----------------------------------------------------------------------------
template <class R>
struct ResultCodec;
template <>
struct ResultCodec<void> {
  template <class Call>
  static std::vector<Tensor> run(Call&& call) {
    call();
    return {};
  }
  static void rebuild(std::vector<Tensor>&&) {}
};
template <>
struct ResultCodec<Tensor> {
  template <class Call>
  static std::vector<Tensor> run(Call&& call) {
    return {call()};
  }
  static Tensor rebuild(std::vector<Tensor>&& v) { return std::move(v.at(0)); }
};
template <>
struct ResultCodec<std::vector<Tensor>> {
  template <class Call>
  static std::vector<Tensor> run(Call&& call) {
    return call();
  }
  static std::vector<Tensor> rebuild(std::vector<Tensor>&& v) { return std::move(v); }
};
template <class... Ts>
struct ResultCodec<std::tuple<Ts...>> {
  static_assert((std::is_same_v<Ts, Tensor> && ...), "tuples of Tensor only");
  template <class Call>
  static std::vector<Tensor> run(Call&& call) {
    return std::apply([](auto&&... t) { return std::vector<Tensor>{t...}; }, call());
  }
  static std::tuple<Ts...> rebuild(std::vector<Tensor>&& v) {
    return [&]<size_t... I>(std::index_sequence<I...>) { return std::tuple<Ts...>{v.at(I)...}; }
    (std::index_sequence_for<Ts...>{});
  }
};
template <>
struct ResultCodec<std::pair<Tensor, Tensor>> {
  template <class Call>
  static std::vector<Tensor> run(Call&& call) {
    auto p = call();
    return {p.first, p.second};
  }
  static std::pair<Tensor, Tensor> rebuild(std::vector<Tensor>&& v) { return {v.at(0), v.at(1)}; }
};

template <class T>
using Plain = std::remove_cvref_t<T>;

template <size_t>
using TensorAt = Tensor;
template <class F, size_t... I>
constexpr bool takes_tensors(std::index_sequence<I...>) {
  return std::is_invocable_v<F&, TensorAt<I>...>;
}
/// The number of Tensor arguments F takes (the fewest from 0 to 8 it can be called with),
/// or -1.
template <class F, size_t N = 0>
constexpr int tensor_arity() {
  if constexpr (N > 8)
    return -1;
  else if constexpr (takes_tensors<F>(std::make_index_sequence<N>{}))
    return static_cast<int>(N);
  else
    return tensor_arity<F, N + 1>();
}

}  // namespace detail

/// The callable kiln::function returns. Copies share one cache.
template <class F>
class Function {
 public:
  /// `defined_at` is where ops without a location of their own (C++ operators) point.
  Function(F fn, FunctionOptions options, std::source_location defined_at)
      : fn_(std::make_shared<F>(std::move(fn))), base_(std::move(options), defined_at) {}

  /// Calls the function: a cached concrete function runs when the arguments' signature
  /// (tensor dtypes and shapes, host values) matches one; otherwise the callable is traced
  /// and compiled first. Inside another function's trace the callable is inlined.
  template <class... Args>
  auto operator()(Args&&... args) {
    using R = std::decay_t<std::invoke_result_t<F&, Args&&...>>;
    if (detail::FunctionBase::tracing()) return (*fn_)(std::forward<Args>(args)...);  // inlined
    detail::FlatArgs flat = flatten(args...);
    const auto refs = std::forward_as_tuple(args...);
    return detail::ResultCodec<R>::rebuild(base_.call(flat, make_trace<R>(refs)));
  }

  /// f.ir(args..., Stage): the IR of the concrete function for these arguments.
  template <class... ArgsAndStage>
  std::string ir(ArgsAndStage&&... all) {
    static_assert(sizeof...(ArgsAndStage) >= 1, "f.ir(args..., Stage)");
    auto refs = std::forward_as_tuple(std::forward<ArgsAndStage>(all)...);
    constexpr size_t n = sizeof...(ArgsAndStage) - 1;
    Stage stage = std::get<n>(refs);
    return [&]<size_t... I>(std::index_sequence<I...>) {
      using R = std::decay_t<std::invoke_result_t<F&, std::tuple_element_t<I, decltype(refs)>...>>;
      detail::FlatArgs flat = flatten(std::get<I>(refs)...);
      const auto args = std::forward_as_tuple(std::get<I>(refs)...);
      return base_.ir(flat, make_trace<R>(args), stage);
    }
    (std::make_index_sequence<n>{});
  }

  /// f.save(path, args...): writes the concrete function for these arguments (traced now
  /// unless cached) to `path`, for kiln::load (kiln/saved_function.h). f.save(path): with an
  /// input_signature and a callable of tensors only, the signature's concrete function, its
  /// -1 dimensions dynamic. Host arguments are baked into the graph; every variable the
  /// function captures must be named (uniquely).
  template <class... Args>
  void save(const std::string& path, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      constexpr int n = detail::tensor_arity<F>();
      std::vector<Tensor> placeholders = base_.signature_arguments(n);
      if constexpr (n >= 0) {
        [&]<size_t... I>(std::index_sequence<I...>) {
          using R = std::decay_t<std::invoke_result_t<F&, detail::TensorAt<I>&...>>;
          const auto refs = std::forward_as_tuple(placeholders[I]...);
          base_.save(path, flatten(placeholders[I]...), make_trace<R>(refs));
        }
        (std::make_index_sequence<static_cast<size_t>(n)>{});
      }
    } else {
      using R = std::decay_t<std::invoke_result_t<F&, Args&&...>>;
      const auto refs = std::forward_as_tuple(args...);
      base_.save(path, flatten(args...), make_trace<R>(refs));
    }
  }

  /// Writes every concrete function cached now (one per signature it was called with,
  /// oldest first) to `path`, as a SavedModel holds several signatures: kiln::load runs the
  /// first one a call's arguments fit. Variables they share are saved once.
  void save_all(const std::string& path) { base_.save_all(path); }

  /// How many times the callable has been traced.
  size_t trace_count() const { return base_.trace_count(); }
  /// How many concrete functions are cached now.
  size_t cache_size() const { return base_.cache_size(); }
  /// The cache's counters and timings.
  FunctionStats stats() const { return base_.stats(); }
  /// f.miss_reason(args...): why the concrete function these arguments select was traced
  /// (the reason its signature missed, kept with it: stats().last_miss_reason is whichever
  /// caller missed last); "" when none is cached for them.
  template <class... Args>
  std::string miss_reason(const Args&... args) const {
    return base_.miss_reason(flatten(args...));
  }

 private:
  template <class... Args>
  static detail::FlatArgs flatten(const Args&... args) {
    detail::FlatArgs flat;
    (detail::ArgCodec<detail::Plain<Args>>::flatten(args, flat), ...);
    return flat;
  }

  /// The lambda that replays a call with symbolic tensors in place of the arguments'.
  /// It refers to the arguments and this function, which outlive the call it serves, and
  /// is small enough for std::function to hold without allocating (a cached call never
  /// runs it).
  template <class R, class... Args>
  detail::TraceFn make_trace(const std::tuple<Args&...>& args) {
    return [fn = fn_.get(), &args](const std::vector<Tensor>& sym) {
      std::array<size_t, sizeof...(Args) + 1> offsets{};
      return [&]<size_t... I>(std::index_sequence<I...>) {
        size_t k = 0;
        ((offsets[I] = k, k += detail::ArgCodec<detail::Plain<Args>>::count(std::get<I>(args))),
         ...);
        (void)k;  // unused when the callable takes no arguments
        return detail::ResultCodec<R>::run([&]() -> decltype(auto) {
          return (*fn)(detail::ArgCodec<detail::Plain<Args>>::rebuild(std::get<I>(args), sym,
                                                                      offsets[I])...);
        });
      }
      (std::index_sequence_for<Args...>{});
    };
  }

  std::shared_ptr<F> fn_;
  detail::FunctionBase base_;
};

/// Wraps a callable (a lambda over Tensor, Variable&, scalars, strings, enums, and
/// vectors, tuples and pairs of tensors) as a compiled function, tf.function's
/// decorator: `auto f = kiln::function([](Tensor x) { return relu(x) * 2; });`. `loc` is
/// where C++ operators without a location of their own point.
template <class F>
auto function(F&& fn, FunctionOptions options = {},
              std::source_location loc = std::source_location::current()) {
  return Function<std::decay_t<F>>(std::forward<F>(fn), std::move(options), loc);
}

}  // namespace kiln
