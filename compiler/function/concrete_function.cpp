#include "compiler/function/concrete_function.h"

#include "compiler/pipeline/cached_compile.h"
#include "compiler/pipeline/codegen.h"
#include "runtime/op_frame.h"
#include "runtime/profiler.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

CompileTimes compile_graph(ConcreteFunction& fn, const CompileSettings& settings,
                           Clock::time_point trace_start, double trace_ms,
                           Clock::time_point compile_start) {
  CompileTimes times;
  const Device device = fn.device;
  // Captured tensors go to the call's device once (the plan puts constants there on its
  // first run; on CUDA with jit=true its fusions are PTX kernels).
  for (const Tensor& t : fn.traced.captures) fn.device_captures.push_back(to_device(t, device));
  // The persistent compile cache (CPU kernels): a hit replaces everything up to the plan.
  const compile_cache::Config disk = settings.jit && device.kind == Device::cpu
                                         ? compile_cache::config()
                                         : compile_cache::Config{};
  times.disk_enabled = disk.enabled;
  std::optional<CompileKey> key;
  size_t code_bytes = 0;
  if (disk.enabled) {
    auto t = Clock::now();
    key = compile_key(*fn.traced.graph, settings.codegen);
    std::optional<compile_cache::Record> record;
    if (key) record = compile_cache::load(disk, key->key);
    if (record) {
      std::string why;
      if (auto hit = restore_compile(*fn.traced.graph, *record, key->locations, &why)) {
        fn.ir_of(Stage::optimized) = std::move(hit->optimized);
        fn.kernels = std::move(hit->kernels);
        for (const std::string& o : record->objects) code_bytes += o.size();
        times.disk_hit = true;
      } else if (!why.empty()) {
        compile_cache::warn("the entry for '" + settings.name + "' does not load (" + why +
                            "); compiling again");
      }
    }
    times.disk_ms = ms_since(t);
  }
  if (!times.disk_hit) {
    auto t2 = Clock::now();
    optimize(*fn.traced.graph);
    fn.ir_of(Stage::optimized) = print(*fn.traced.graph);
    times.optimize_ms = ms_since(t2);
    if (settings.jit) {
      // The later stages' texts only when asked for now (else on request).
      const bool texts = settings.texts || device.kind != Device::cpu;
      CodegenResult code = codegen(*fn.traced.graph, device, settings.codegen, texts);
      fn.stage_texts = texts;
      fn.ir_of(Stage::fused) = std::move(code.fused);
      fn.ir_of(Stage::lowered) = std::move(code.lowered);
      fn.ir_of(Stage::llvm) = std::move(code.llvm);
      fn.kernels = std::move(code.kernels);
      fn.ptx = std::move(code.ptx);
      times.optimize_ms += code.fuse_ms;
      times.codegen_ms = code.codegen_ms;
      code_bytes = fn.ptx ? fn.ptx->size() : 0;
      for (const std::string& o : code.objects) code_bytes += o.size();
      if (key) {
        auto t = Clock::now();
        compile_cache::Record record{key->locations, fn.ir_of(Stage::optimized),
                                     graph_bytecode(*fn.traced.graph), std::move(code.kernel_names),
                                     std::move(code.objects)};
        compile_cache::store(disk, key->key, record);
        times.disk_ms += ms_since(t);
      }
    }
  }
  fn.executable = build_executable(*fn.traced.graph, fn.traced, fn.kernels.get(), device);
  if (device.kind == Device::cuda && fn.executable.graph_safe) fn.executable.replay_as_cuda_graph();
  times.compile_ms = ms_since(compile_start);
  if (runtime::profiler::active()) [[unlikely]] {
    // The phases as "compile" events: the trace, then (from the disk cache, or optimize
    // and codegen) and the plan, back to back from compile_start.
    auto ns = [](Clock::time_point t) {
      return static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
    };
    const std::string where = runtime::file_line(settings.defined_at);
    auto phase = [&](const char* what, uint64_t at, double ms) {
      const uint64_t d = static_cast<uint64_t>(ms * 1e6);
      runtime::profiler::record({what, "compile", where, settings.name, at, d, 0, 0});
      return at + d;
    };
    if (trace_ms >= 0) phase("trace", ns(trace_start), trace_ms);
    uint64_t at = ns(compile_start);
    if (times.disk_ms > 0) at = phase("compile cache", at, times.disk_ms);
    at = phase("optimize", at, times.optimize_ms);
    if (times.codegen_ms > 0) at = phase("codegen", at, times.codegen_ms);
    phase("compile (all after the trace)", ns(compile_start), times.compile_ms);
  }
  fn.bytes = code_bytes + constant_bytes(*fn.traced.graph) + as_traced_bytes(fn);
  for (const std::string& text : fn.ir) fn.bytes += text.size();
  for (const Tensor& t : fn.device_captures)
    fn.bytes += static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
  return times;
}

size_t as_traced_bytes(const ConcreteFunction& fn) {
  constexpr size_t kBytesPerOp = 128;  // an op, its operands, results and attribute list
  return fn.as_traced ? op_count(*fn.as_traced) * kBytesPerOp : 0;
}

std::ptrdiff_t make_traced_text(ConcreteFunction& fn) {
  std::lock_guard<std::mutex> texts_lock(fn.texts_mutex);
  if (!fn.ir_of(Stage::traced).empty() || !fn.as_traced) return 0;
  const auto before = static_cast<std::ptrdiff_t>(as_traced_bytes(fn));
  fn.ir_of(Stage::traced) = print(*fn.as_traced);
  fn.as_traced.reset();
  return static_cast<std::ptrdiff_t>(fn.ir_of(Stage::traced).size()) - before;
}

size_t make_stage_texts(ConcreteFunction& fn, const CompileSettings& settings) {
  std::lock_guard<std::mutex> texts_lock(fn.texts_mutex);
  if (fn.stage_texts || !settings.jit) return 0;
  JitResult t = jit_stage_texts(fn.ir_of(Stage::optimized), settings.codegen);
  const size_t added = t.fused.size() + t.lowered.size() + t.llvm.size();
  fn.ir_of(Stage::fused) = std::move(t.fused);
  fn.ir_of(Stage::lowered) = std::move(t.lowered);
  fn.ir_of(Stage::llvm) = std::move(t.llvm);
  fn.stage_texts = true;
  return added;
}

}  // namespace kiln::detail
