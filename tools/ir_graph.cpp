#include "ir_graph.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "html_text.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Operation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "passes/Pipelines.h"

namespace kiln::tools {
namespace {

/// Text inside a dot string literal: quotes and backslashes escaped; newlines are "\n",
/// which dot centres.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// Parts appended into one string (GCC 12 warns, wrongly, about `"literal" + std::string`
/// chains: -Wrestrict, its bug 105329).
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

template <typename T>
std::string printed(const T& thing) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << thing;
  return text;
}

/// "file:line" of a location: a fused location (an op made of several) lists its parts.
std::string location_text(mlir::Location loc) {
  if (auto file = mlir::dyn_cast<mlir::FileLineColLoc>(loc))
    return concat(file.getFilename().str(), ":", std::to_string(file.getLine()));
  if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(loc)) {
    std::string out;
    for (mlir::Location part : fused.getLocations()) {
      std::string text = location_text(part);
      if (text.empty() || out.find(text) != std::string::npos) continue;
      out += (out.empty() ? "" : ", ") + text;
    }
    return out;
  }
  if (auto name = mlir::dyn_cast<mlir::NameLoc>(loc)) return name.getName().str();
  if (auto call = mlir::dyn_cast<mlir::CallSiteLoc>(loc)) return location_text(call.getCaller());
  return "";
}

/// The op's name and its short attributes (a fusion's kind, a reduction's axes), one line.
std::string op_title(mlir::Operation* op) {
  std::string title = op->getName().getStringRef().str();
  for (const mlir::NamedAttribute& attr : op->getAttrs()) {
    if (attr.getName() == "sym_name" || attr.getName() == "function_type" ||
        attr.getName() == "sym_visibility")
      continue;
    std::string value = printed(attr.getValue());
    if (value.size() > 40) continue;  // dense constants, long types: the text has them
    title += concat(" ", attr.getName().str(), "=", value);
  }
  return title;
}

class DotWriter {
 public:
  std::string write(mlir::ModuleOp module, std::string_view title) {
    out_ << "digraph kiln {\n  label=" << quoted(title) << "; labelloc=t; fontname=\"Helvetica\";\n"
         << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
            "fontname=\"Helvetica\", fontsize=10];\n"
         << "  edge [color=\"#5b6b7f\", arrowsize=0.6];\n";
    for (mlir::Operation& op : module.getBody()->getOperations()) op_(&op, "  ");
    out_ << edges_.str() << "}\n";
    return out_.str();
  }

 private:
  std::string node(const std::string& label, const std::string& tooltip, const std::string& indent,
                   const char* extra = "") {
    std::string id = concat("n", std::to_string(next_++));
    out_ << indent << id << " [label=" << quoted(label);
    if (!tooltip.empty()) out_ << ", tooltip=" << quoted(tooltip);
    out_ << extra << "];\n";
    return id;
  }

  // Edges go after every cluster: an edge written inside a cluster would pull its ends
  // (a function's argument, say) into that cluster.
  void edge(const std::string& from, const std::string& to) {
    edges_ << "  " << from << " -> " << to << ";\n";
  }

  void edges_into(mlir::Operation* op, const std::string& to) {
    for (mlir::Value operand : op->getOperands())
      if (auto it = value_node_.find(operand); it != value_node_.end()) edge(it->second, to);
  }

  std::string value_label(mlir::Value v) {
    std::string name = printed(v.getType());
    return name;
  }

  void op_(mlir::Operation* op, const std::string& indent) {
    std::string where = location_text(op->getLoc());
    if (op->getNumRegions() == 0) {
      std::string label = op_title(op);
      for (mlir::Value r : op->getResults()) label += concat("\n", value_label(r));
      std::string id = node(label, where, indent);
      edges_into(op, id);
      for (mlir::Value r : op->getResults()) value_node_[r] = id;
      return;
    }
    // An op with regions: a cluster of its body.
    std::string cluster = concat("cluster_", std::to_string(next_++));
    std::string label = op_title(op);
    if (auto symbol = op->getAttrOfType<mlir::StringAttr>("sym_name"))
      label = concat(op->getName().getStringRef().str(), " @", symbol.getValue().str());
    out_ << indent << "subgraph " << cluster << " {\n"
         << indent << "  label=" << quoted(label) << "; tooltip=" << quoted(where)
         << "; style=\"rounded,filled\"; fillcolor=\"#fbfaf3\"; color=\"#9a8f5a\";\n";
    std::string inner = indent + "  ";
    bool operands_to_arguments = false;
    std::vector<std::string> terminators;  // those that give the op's results
    bool several = op->getNumRegions() > 1;
    for (mlir::Region& region : op->getRegions()) {
      // Several regions (a cond's branches, a loop's condition and body): one cluster each.
      std::string region_indent = inner;
      if (several) {
        out_ << inner << "subgraph cluster_" << next_++ << " {\n"
             << inner << "  label=\"region " << region.getRegionNumber()
             << "\"; style=dashed; color=\"#b8ad78\";\n";
        region_indent += "  ";
      }
      for (mlir::Block& block : region) {
        // A fusion's (and a function's) block arguments are its operands, in order.
        bool positional =
            block.getNumArguments() == op->getNumOperands() && op->getNumOperands() > 0;
        operands_to_arguments |= positional;
        for (mlir::BlockArgument arg : block.getArguments()) {
          std::string id = node(
              concat("arg ", std::to_string(arg.getArgNumber()), "\n", value_label(arg)),
              location_text(arg.getLoc()), region_indent, ", shape=ellipse, fillcolor=\"#ffffff\"");
          value_node_[arg] = id;
          if (positional)
            if (auto it = value_node_.find(op->getOperand(arg.getArgNumber()));
                it != value_node_.end())
              edge(it->second, id);
        }
        for (mlir::Operation& inner_op : block.getOperations()) {
          op_(&inner_op, region_indent);
          if (op->getNumResults() > 0 && inner_op.hasTrait<mlir::OpTrait::IsTerminator>() &&
              inner_op.getNumOperands() == op->getNumResults())
            terminators.push_back(last_node());
        }
      }
      if (several) out_ << inner << "}\n";
    }
    // One terminator (a fusion's yield) gives the results itself; several (a cond's
    // branches) meet in a node standing for the op, as do operands no block argument takes.
    std::string results_from = terminators.size() == 1 ? terminators[0] : "";
    bool is_function = mlir::isa<mlir::FunctionOpInterface>(op) || mlir::isa<mlir::ModuleOp>(op);
    if (!is_function && ((!operands_to_arguments && op->getNumOperands() > 0) ||
                         (results_from.empty() && op->getNumResults() > 0))) {
      std::string header = op_title(op);
      for (mlir::Value r : op->getResults()) header += concat("\n", value_label(r));
      std::string id = node(header, where, inner, ", fillcolor=\"#f6e9c8\"");
      if (!operands_to_arguments) edges_into(op, id);
      if (results_from.empty()) {
        for (const std::string& t : terminators) edge(t, id);
        results_from = id;
      }
    }
    for (mlir::Value r : op->getResults()) value_node_[r] = results_from;
    out_ << indent << "}\n";
  }

  std::string last_node() const { return concat("n", std::to_string(next_ - 1)); }

  std::ostringstream out_, edges_;
  int next_ = 0;
  llvm::DenseMap<mlir::Value, std::string> value_node_;
};

}  // namespace

namespace {

/// Parses and verifies `mlir` with kiln's dialects; the module, or null with the parser's
/// and verifier's messages ("file:line:col: error: ...") in `errors`.
mlir::OwningOpRef<mlir::ModuleOp> parse_module(mlir::MLIRContext& context, std::string_view mlir,
                                               std::string_view source_name, std::string& errors) {
  context.allowUnregisteredDialects();
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic& d) {
    // "file:line:col: error: message", as compilers say it.
    std::string where = printed(d.getLocation());
    if (auto file = mlir::dyn_cast<mlir::FileLineColLoc>(d.getLocation()))
      where = concat(file.getFilename().str(), ":", std::to_string(file.getLine()), ":",
                     std::to_string(file.getColumn()));
    const char* severity = d.getSeverity() == mlir::DiagnosticSeverity::Error     ? "error"
                           : d.getSeverity() == mlir::DiagnosticSeverity::Warning ? "warning"
                                                                                  : "note";
    errors += concat(where, ": ", severity, ": ", d.str(), "\n");
    return mlir::success();
  });
  mlir::ParserConfig config(&context);
  return mlir::parseSourceString<mlir::ModuleOp>(
      llvm::StringRef(mlir.data(), mlir.size()), config,
      llvm::StringRef(source_name.data(), source_name.size()));
}

/// Whether `mlir` parses and verifies, found out in a child process: MLIR 19's parser frees
/// memory it still uses on some invalid files (a forward reference resolved inside a region
/// that then fails to parse; test/ir_text_fuzz.cpp found it), so a file only reaches this
/// process's parser once a child has parsed it without error — a parse that succeeds never
/// runs that cleanup. Throws std::runtime_error with the messages, or saying the parser
/// crashed or ran out of time.
void check_parses_in_child(std::string_view mlir, std::string_view source_name) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("cannot create a pipe to check the IR");
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error("cannot fork to check the IR");
  }
  if (child == 0) {  // parse; the messages go up the pipe; the exit code says how it went
    ::close(pipe_fds[0]);
    ::alarm(60);  // a parser that hangs is killed, and reported as such
    mlir::DialectRegistry registry;
    kiln::passes::registerDialects(registry, /*gpu=*/true);
    mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
    std::string errors;
    const bool ok = static_cast<bool>(parse_module(context, mlir, source_name, errors));
    for (size_t at = 0; at < errors.size();) {
      const ssize_t n = ::write(pipe_fds[1], errors.data() + at, errors.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    ::_exit(ok ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::string errors;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    errors.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status)) throw std::runtime_error("the IR does not parse:\n" + errors);
  const int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  throw std::runtime_error(
      signal == SIGALRM ? std::string("the IR parser ran for more than 60 s on it")
                        : "the IR parser crashed on it (signal " + std::to_string(signal) +
                              ": MLIR 19 mishandles some invalid files); the file is not valid IR");
}

/// Parses and verifies `mlir` with kiln's dialects and calls `use` on the module; throws
/// std::runtime_error with the diagnostics when it does not parse or verify.
template <class Use>
auto with_module(std::string_view mlir, std::string_view source_name, Use&& use) {
  check_parses_in_child(mlir, source_name);
  mlir::DialectRegistry registry;
  kiln::passes::registerDialects(registry, /*gpu=*/true);
  mlir::MLIRContext context(registry);
  std::string errors;
  mlir::OwningOpRef<mlir::ModuleOp> module = parse_module(context, mlir, source_name, errors);
  if (!module) throw std::runtime_error("the IR does not parse:\n" + errors);
  return use(*module);
}

}  // namespace

std::string mlir_to_dot(std::string_view mlir, std::string_view title,
                        std::string_view source_name) {
  return with_module(mlir, source_name,
                     [&](mlir::ModuleOp module) { return DotWriter().write(module, title); });
}

void check_mlir(std::string_view mlir, std::string_view source_name) {
  with_module(mlir, source_name, [](mlir::ModuleOp) { return 0; });
}

std::string dot_to_svg(const std::string& dot) {
  // dot's layout grows faster than the graph: a lowered stage's loop kernels (thousands of
  // scalar ops) take it minutes. Say so rather than look hung.
  size_t nodes = 0;
  for (size_t at = dot.find("[label="); at != std::string::npos; at = dot.find("[label=", at + 1))
    ++nodes;
  if (nodes > 1500)
    std::fprintf(stderr,
                 "kiln-ir: %zu nodes: Graphviz may take minutes to lay this out (the traced, "
                 "optimized and fused stages are smaller)\n",
                 nodes);
  // dot reads a file and writes one: no pipes to deadlock on, whatever the graph's size.
  char in_name[] = "/tmp/kiln-ir-XXXXXX.dot";
  int fd = ::mkstemps(in_name, 4);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for dot");
  ::close(fd);
  std::string in_path = in_name, out_path = in_path + ".svg";
  struct Cleanup {
    std::string a, b;
    ~Cleanup() {
      std::remove(a.c_str());
      std::remove(b.c_str());
    }
  } cleanup{in_path, out_path};
  std::ofstream(in_path) << dot;
  std::string command = "dot -Tsvg -o '" + out_path + "' '" + in_path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run Graphviz's dot");
  std::string messages;
  char buffer[512];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) messages.append(buffer, n);
  int status = ::pclose(pipe);
  if (status != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      throw std::runtime_error(
          "Graphviz's dot is not installed (Debian: apt-get install graphviz)");
    throw std::runtime_error("dot -Tsvg failed: " + messages);
  }
  std::ifstream svg(out_path);
  std::stringstream text;
  text << svg.rdbuf();
  return text.str();
}

std::string graph_page(std::string_view title, const std::string& svg, std::string_view mlir) {
  auto escaped = [](std::string_view t) { return html_escaped(t); };
  // The SVG without its XML prolog and doctype, inline.
  std::string body = svg;
  if (size_t at = body.find("<svg"); at != std::string::npos) body = body.substr(at);
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
          escaped(title) +
          "</title>\n<style>\n"
          "body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #1d2733; }\n"
          ".graph { overflow: auto; border: 1px solid #d4dae3; padding: 0.5em; }\n"
          "pre { background: #f5f7fa; padding: 1em; overflow: auto; font-size: 12px; }\n"
          "</style>\n</head>\n<body>\n<h1>" +
          escaped(title) +
          "</h1>\n"
          "<p>Hover over an op for its source line.</p>\n<div class=\"graph\">\n" +
          body + "</div>\n<h2>IR</h2>\n<pre>" + escaped(mlir) + "</pre>\n</body>\n</html>\n";
  return page;
}

}  // namespace kiln::tools
