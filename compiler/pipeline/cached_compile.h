// The persistent compile cache as the compiler uses it: the key of a traced graph, and a
// compiled graph (its plan's IR, its optimized text, its kernels' objects) made into a cache
// record and back (the store itself: compiler/pipeline/compile_cache.h).
//
// The key is computed before optimization, from the traced graph without its source
// locations (as JAX keys on the module it lowers, before XLA optimizes), plus everything
// else that shapes the code: kiln's compiler sources (a fingerprint built in), the LLVM
// version, the target triple, the host CPU's name and features, and the codegen options.
// A hit skips simplification, fusion, lowering and LLVM altogether. Locations are not in
// the key but the record keeps a digest of them: an entry compiled from the same graph at
// other source lines is a miss (recompiled and replaced), so run-time errors always name
// the user's current line.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "compiler/pipeline/compile_cache.h"
#include "compiler/pipeline/jit.h"
#include "kiln/function.h"

namespace kiln::detail {

struct Graph;
class KernelSet;

/// A digest of kiln's compiler sources (ir/, passes/, kernels/, runtime/, compiler/,
/// include/), generated at build time (cmake/KilnFingerprint.cmake).
const char* compiler_fingerprint();

struct CompileKey {
  compile_cache::Key key;
  std::string locations;  // digest of the traced graph's source locations, op by op
};
/// The key of the traced graph `traced` (before anything changes it): its text without
/// locations, the options and the host; the locations apart (a record made for the same
/// graph traced from other lines is a miss, not a second file). Nothing when the graph's
/// text does not hold all of it (a program that set MLIR's option to elide large constants
/// when printing): two graphs could then share a key.
std::optional<CompileKey> compile_key(const Graph& traced, const CodegenOptions& options);

/// The compiled graph's IR as the record stores it (MLIR bytecode).
std::string graph_bytecode(const Graph& compiled);

/// What a hit gives back.
struct RestoredCompile {
  std::shared_ptr<const KernelSet> kernels;
  std::string optimized;  // Stage::optimized's text
};
/// Replaces `graph` by the record's compiled graph and loads its kernels. Nothing (and
/// `graph` as it was) when the record does not fit: other source locations (`why` empty,
/// a plain miss), or a graph or object that does not load (`why` says what).
std::optional<RestoredCompile> restore_compile(Graph& graph, const compile_cache::Record& record,
                                               const std::string& locations, std::string* why);

}  // namespace kiln::detail
