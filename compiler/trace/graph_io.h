// Graphs read from saved files (kiln::load; the writer is print(), trace.h): parsed,
// verified and checked to be what a trace makes before anything compiles them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/trace/trace.h"
#include "runtime/shape_rules.h"

namespace kiln::detail {

/// Parses a graph saved as MLIR text: one func.func of kiln ops over kiln tensor types,
/// verified. Anything else (text that does not parse or verify, another dialect's op,
/// other types, several functions) throws kiln::Error starting with `what`.
GraphPtr parse_graph(std::string_view text, const std::string& what);

/// The types of the graph's arguments (-1 for dynamic dimensions).
std::vector<rules::TensorType> argument_types(const Graph& graph);

/// A kiln.read_variable or kiln.assign_variable: the variable's index and its type there.
struct VariableUse {
  uint64_t index;
  rules::TensorType type;
  bool write;
};
std::vector<VariableUse> variable_uses(const Graph& graph);

}  // namespace kiln::detail
