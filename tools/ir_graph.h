// The graph of an IR as Graphviz's dot language (kiln-ir --format=dot|svg|html): what the
// textual IR says, drawn.
#pragma once

#include <string>
#include <string_view>

namespace kiln::tools {

/// `mlir` (the text of any stage kiln-ir prints, or any .mlir file of the dialects kiln
/// registers) as a dot graph: ops as boxes labelled with their name, short attributes and
/// result types; function and block arguments as ellipses; an op with regions (a fusion,
/// a loop, a function) as a cluster holding its body, whose arguments take the op's
/// operands and whose terminator gives its results; edges from each value to its users.
/// Each node's tooltip is its source location (the user's file and line, where the trace
/// recorded it). Throws std::runtime_error with the parser's and verifier's messages
/// ("source_name:line:col: error: ...") if `mlir` does not parse or verify.
std::string mlir_to_dot(std::string_view mlir, std::string_view title,
                        std::string_view source_name = "-");

/// Parses and verifies `mlir` as mlir_to_dot does, drawing nothing; throws
/// std::runtime_error with the messages if it does not parse or verify.
void check_mlir(std::string_view mlir, std::string_view source_name);

/// `dot` laid out as SVG by Graphviz's `dot -Tsvg` (Debian's graphviz). Throws
/// std::runtime_error if it is not installed or fails.
std::string dot_to_svg(const std::string& dot);

/// A self-contained HTML page showing `svg` (a graph) above `mlir` (its text).
std::string graph_page(std::string_view title, const std::string& svg, std::string_view mlir);

}  // namespace kiln::tools
