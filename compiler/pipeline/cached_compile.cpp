// Keys of traced graphs and compiled graphs to and from cache records
// (compiler/pipeline/cached_compile.h).
#include "compiler/pipeline/cached_compile.h"

#include "compiler/pipeline/kernel_set.h"
#include "compiler/pipeline/native_code.h"
#include "compiler/trace/graph.h"
#include "kiln/error.h"
#include "llvm/Config/llvm-config.h"
#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

namespace kiln::detail {
namespace {

// Bumped by hand when the meaning of a record changes without a source change kiln's
// fingerprint would see (it sees every compiler source, so in practice: never).
constexpr const char* kKeyVersion = "kiln-compile-cache-key 3";

}  // namespace

std::optional<CompileKey> compile_key(const Graph& traced, const std::string& traced_text,
                                      const CodegenOptions& options) {
  std::string bare;
  {
    llvm::raw_string_ostream os(bare);
    traced.get()->print(os, mlir::OpPrintingFlags().enableDebugInfo(false));
  }
  if (bare.find("__elided__") != std::string::npos ||
      traced_text.find("__elided__") != std::string::npos)
    return std::nullopt;
  const compile_cache::TestHooks& hooks = compile_cache::test_hooks();
  const HostTarget& host = host_target();
  compile_cache::KeyBuilder key;
  key.add(kKeyVersion)
      .add(hooks.fingerprint.empty() ? compiler_fingerprint() : hooks.fingerprint)
      .add(LLVM_VERSION_STRING)
      .add(host.triple)
      .add(host.cpu)
      .add(hooks.cpu_features.empty() ? host.features : hooks.cpu_features)
      .add(options.fast_math ? "fast_math" : "exact")
      .add(bare);
  compile_cache::KeyBuilder locations;
  locations.add(traced_text);
  return CompileKey{key.finish(), compile_cache::hex(locations.finish())};
}

std::string graph_bytecode(const Graph& compiled) {
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  if (mlir::failed(mlir::writeBytecodeToFile(compiled.get(), os)))
    throw Error("[function] internal error: the compiled graph does not write as bytecode");
  os.flush();
  return bytes;
}

std::optional<RestoredCompile> restore_compile(Graph& graph, const compile_cache::Record& record,
                                               const std::string& locations, std::string* why) {
  why->clear();
  if (record.locations != locations) return std::nullopt;  // same graph, other source lines
  mlir::MLIRContext* context = graph.get().getContext();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic& d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(record.graph, mlir::ParserConfig(context));
  if (!module) {
    *why = "its graph does not parse: " + diagnostics;
    return std::nullopt;
  }
  RestoredCompile restored;
  try {
    restored.kernels = cpu_kernel_set(
        record.kernels.empty() ? nullptr : load_objects(record.objects, record.kernels));
  } catch (const Error& e) {
    *why = e.what();
    return std::nullopt;
  }
  restored.optimized = record.optimized;
  graph.module = std::move(module);
  return restored;
}

}  // namespace kiln::detail
