// The file f.save writes and kiln::load reads: a safetensors file (compiler/io/safetensors.h)
// whose tensors are the captured variables' values ("variables/<name>") and each concrete
// function's captured constants ("functions/<k>/captures/<i>"), and whose metadata holds
//   "format"          "kiln-function" (the magic: a checkpoint says "kiln-checkpoint")
//   "format_version"  this layout's version; a newer one is refused naming both
//   "dialect_version" the kiln dialect's version the graphs are written in; likewise
//   "kiln_version"    the writer's version
//   "manifest"        JSON: per concrete function its name, argument and result types (-1
//                     for dynamic dimensions; host arguments are baked into the graph),
//                     its variables (indices into the file's table) and its number of
//                     captures; the variable table (names, dtypes, shapes)
//   "graph/<k>"       function k's optimized graph as MLIR text (the text parser refuses
//                     damaged input cleanly; MLIR 19's bytecode reader does not)
//   "sha256"          the content digest (safetensors::content_digest), checked first.
// decode() validates all of it but the graphs' text, which compiler/trace/graph_io.h parses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/tensor.h"
#include "runtime/shape_rules.h"

namespace kiln::detail::saved {

/// The file layout this kiln writes; it reads this one and every older one.
inline constexpr int64_t kFormatVersion = 1;
/// The kiln dialect's version: bumped when an op's meaning or syntax changes, so that an
/// old file is upgraded or refused with both versions named.
inline constexpr int64_t kDialectVersion = 1;
/// The largest saved file read (the whole file is read into memory).
inline constexpr uint64_t kMaxFileBytes = uint64_t{1} << 40;

struct Variable {
  std::string name;
  Tensor value;  // on the host
};

struct Concrete {
  std::string name;                     // the kiln::function's name
  std::vector<rules::TensorType> args;  // its tensor arguments (-1: dynamic)
  std::vector<rules::TensorType> results;
  std::vector<int64_t> variables;  // per kiln.read_variable index: the file's variable
  std::vector<Tensor> captures;    // the graph's trailing inputs, on the host
  std::string graph;               // Stage::optimized's text
};

struct File {
  std::vector<Variable> variables;
  std::vector<Concrete> functions;
  std::string kiln_version;  // the writer's (decode fills it in)
  int64_t format_version = kFormatVersion;
  int64_t dialect_version = kDialectVersion;
};

/// The file's bytes. Variable names must be unique and non-empty (kiln::Error).
std::string encode(const File& file);

/// The file's contents, validated (format, versions, digest, manifest, every tensor's
/// dtype and shape, indices) but for the graphs' text. Any problem throws kiln::Error
/// starting with "[load] <what>: ".
File decode(std::string_view bytes, const std::string& what);

}  // namespace kiln::detail::saved
