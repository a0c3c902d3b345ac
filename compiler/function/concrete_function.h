// A concrete function: one traced (or loaded) graph compiled for one signature and device,
// and the one path every graph takes from its traced form to a runnable plan — the
// persistent compile cache, simplification, fusion and code generation, the plan — whether
// kiln::function traced it or kiln::load read it from a file.
#pragma once

#include <array>
#include <chrono>
#include <iterator>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <vector>

#include "compiler/pipeline/jit.h"
#include "compiler/trace/trace.h"
#include "kiln/function.h"
#include "runtime/executable.h"
#include "runtime/shape_rules.h"

namespace kiln::detail {

class KernelSet;

struct ConcreteFunction {
  std::vector<rules::TensorType> arg_types;
  std::vector<rules::TensorType> result_types;
  std::string host;         // the host arguments' key
  std::string miss_reason;  // why it was traced (kept per signature: concurrent callers)
  TracedFunction traced;
  runtime::Executable executable;
  std::array<std::string, std::size(kStages)> ir;  // per Stage: the MLIR stages it produced
  std::shared_ptr<const KernelSet> kernels;        // jit=true: the fused kernels the plan calls
  Device device;                                   // where its arguments live and it runs
  std::shared_ptr<const std::string> ptx;          // jit=true on CUDA: the fused kernels' PTX
  std::vector<Tensor> device_captures;             // the captures, on `device` (copied there once)
  size_t bytes = 0;  // what it holds: IR text, compiled code, constants (cache_max_bytes)
  // jit=true on the CPU: the fused, lowered and llvm texts are printed on request only
  // (stage_texts); true once they are there.
  bool stage_texts = false;
  // The graph as traced (`traced.graph` is optimized in place), kept until Stage::traced's
  // text is asked for (make_traced_text): a copy costs a fraction of printing it.
  GraphPtr as_traced;
  std::mutex texts_mutex;

  std::string& ir_of(Stage stage) { return ir[static_cast<size_t>(stage)]; }
};

/// How a graph is compiled: kiln::function's options that shape code, and its name and
/// line for profiles and warnings.
struct CompileSettings {
  bool jit = true;
  CodegenOptions codegen;
  std::string name;
  std::source_location defined_at;
  bool texts = false;  // print the fused, lowered and llvm stages now (else on request)
};

/// The times compile_graph spent, for FunctionStats.
struct CompileTimes {
  double optimize_ms = 0, codegen_ms = 0, disk_ms = 0, compile_ms = 0;
  bool disk_enabled = false, disk_hit = false;
};

using Clock = std::chrono::steady_clock;

/// What fn.as_traced is counted as in fn.bytes: an estimate by its ops (its constants'
/// data is shared with the compiled graph's).
size_t as_traced_bytes(const ConcreteFunction& fn);

/// Stage::traced's text, printed from fn.as_traced (which it then frees) if not yet (a
/// function kiln::load read has it from the file); returns the change in fn's bytes.
std::ptrdiff_t make_traced_text(ConcreteFunction& fn);

/// Compiles `fn` (fn.traced, arg_types and device set; fn.as_traced its copy):
/// its captures to its device, its code from the persistent compile cache or the pipeline
/// (stored there after), its plan, and fn.bytes. While the profiler records, the phases are
/// "compile" events: a trace from `trace_start` of `trace_ms` (none when `trace_ms` < 0),
/// then the rest from `compile_start`.
CompileTimes compile_graph(ConcreteFunction& fn, const CompileSettings& settings,
                           Clock::time_point trace_start, double trace_ms,
                           Clock::time_point compile_start);

/// The fused, lowered and llvm texts of a CPU jit function, made on first request from its
/// optimized text by the passes that compiled it; returns the bytes added (0 if there).
size_t make_stage_texts(ConcreteFunction& fn, const CompileSettings& settings);

/// Milliseconds since `t0`.
double ms_since(Clock::time_point t0);

}  // namespace kiln::detail
