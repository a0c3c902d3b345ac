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
#include "mlir/IR/Location.h"
#include "mlir/Parser/Parser.h"

namespace kiln::detail {
namespace {

// Bumped by hand when the meaning of a record changes without a source change kiln's
// fingerprint would see (it sees every compiler source, so in practice: never).
constexpr const char* kKeyVersion = "kiln-compile-cache-key 3";

/// Appends `text` to `out` as its length and itself (so no two sequences of parts spell
/// the same).
void spell(std::string_view text, std::string& out) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

/// Appends a spelling of `loc` to `out`: two locations spell the same only if they are the
/// same (what MLIR prints of them, without its printer's cost).
void spell_location(mlir::Location loc, std::string& out) {
  if (auto f = llvm::dyn_cast<mlir::FileLineColLoc>(loc)) {
    out += 'F';
    spell(f.getFilename().strref(), out);
    spell(std::to_string(f.getLine()) + ":" + std::to_string(f.getColumn()), out);
  } else if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc)) {
    out += 'N';
    spell(n.getName().strref(), out);
    spell_location(n.getChildLoc(), out);
  } else if (auto c = llvm::dyn_cast<mlir::CallSiteLoc>(loc)) {
    out += 'C';
    spell_location(c.getCallee(), out);
    spell_location(c.getCaller(), out);
  } else if (auto fused = llvm::dyn_cast<mlir::FusedLoc>(loc)) {
    out += 'U';
    std::string metadata;
    if (mlir::Attribute m = fused.getMetadata()) {
      llvm::raw_string_ostream os(metadata);
      m.print(os);
    }
    spell(metadata, out);
    spell(std::to_string(fused.getLocations().size()), out);
    for (mlir::Location part : fused.getLocations()) spell_location(part, out);
  } else if (llvm::isa<mlir::UnknownLoc>(loc)) {
    out += 'X';
  } else {  // another kind (opaque): as MLIR prints it
    std::string text;
    llvm::raw_string_ostream os(text);
    loc.print(os);
    out += 'O';
    spell(text, out);
  }
}

}  // namespace

std::optional<CompileKey> compile_key(const Graph& traced, const CodegenOptions& options) {
  std::string bare;
  {
    llvm::raw_string_ostream os(bare);
    traced.get()->print(os, mlir::OpPrintingFlags().enableDebugInfo(false));
  }
  if (bare.find("__elided__") != std::string::npos) return std::nullopt;
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
  // Every op's location and every block argument's, in order (the bare text fixes the
  // structure they hang on), spelled out directly: printing the graph again with its
  // locations, or each location through MLIR's printer, costs as much as the bare text.
  std::string spelled;
  traced.get()->walk<mlir::WalkOrder::PreOrder>([&](mlir::Operation* op) {
    spell_location(op->getLoc(), spelled);
    for (mlir::Region& region : op->getRegions())
      for (mlir::Block& block : region)
        for (mlir::BlockArgument arg : block.getArguments()) spell_location(arg.getLoc(), spelled);
  });
  compile_cache::KeyBuilder locations;
  locations.add(spelled);
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
