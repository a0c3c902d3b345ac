// Graphs read from files (kiln::load): MLIR text parsed in kiln's context, verified, and
// checked to be what a trace makes — one func.func of kiln ops over kiln's tensor types —
// before anything compiles it. The text parser, unlike MLIR 19's bytecode reader, refuses
// damaged input cleanly (../shared/notes: 10,000 mutants), and a saved file's digest is
// checked before its text gets here.
#include <set>
#include <string>

#include "compiler/trace/graph.h"
#include "compiler/trace/graph_io.h"
#include "compiler/trace/graph_text_guard.h"
#include "compiler/trace/mlir_context.h"
#include "ir/KilnOps.h"
#include "ir/TypeConversion.h"
#include "kiln/error.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

namespace kiln::detail {

namespace {

/// The ops a saved graph may hold: kiln's, less those isolated from above (kiln.fusion),
/// whose name scopes the text guard does not model.
bool saved_graph_op(std::string_view name) {
  static const std::set<std::string, std::less<>> ops = [] {
    std::set<std::string, std::less<>> names;
    for (mlir::RegisteredOperationName op : kiln_mlir_context()->getRegisteredOperations())
      if (op.getDialectNamespace() == "kiln" &&
          !op.hasTrait<mlir::OpTrait::IsIsolatedFromAbove>())
        names.insert(op.getStringRef().str());
    return names;
  }();
  return ops.count(name) > 0;
}

}  // namespace

GraphPtr parse_graph(std::string_view text, const std::string& what) {
  mlir::MLIRContext* context = kiln_mlir_context();
  std::string diagnostics;
  auto fail = [&](const std::string& why) -> GraphPtr { throw Error(what + ": " + why); };
  // MLIR's parser must never see a forward reference (graph_text_guard.h: it corrupts the
  // heap on some failed parses of them); kiln never writes one.
  if (std::string problem = graph_text_problem(text, saved_graph_op); !problem.empty())
    fail("its graph is not laid out as kiln writes graphs: " + problem);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    // Diagnostics of this parse only: a handler of this thread's parse (others may trace).
    mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic& d) {
      if (diagnostics.size() < 4096) diagnostics += d.str() + "\n";
      return mlir::success();
    });
    mlir::ParserConfig config(context, /*verifyAfterParse=*/true);
    module =
        mlir::parseSourceString<mlir::ModuleOp>(llvm::StringRef(text.data(), text.size()), config);
  }
  if (!module) fail("the graph does not parse: " + diagnostics);

  // One function, kiln ops and the function's own, kiln tensor types everywhere.
  mlir::func::FuncOp func;
  int funcs = 0;
  std::string problem;
  module->walk([&](mlir::Operation* op) {
    if (!problem.empty()) return;
    const llvm::StringRef dialect = op->getName().getDialectNamespace();
    if (auto f = mlir::dyn_cast<mlir::func::FuncOp>(op)) {
      func = f;
      ++funcs;
    } else if (mlir::isa<mlir::ModuleOp>(op)) {
      if (op != module->getOperation()) problem = "it holds a nested module";
    } else if (dialect != "kiln" && !mlir::isa<mlir::func::ReturnOp>(op)) {
      problem = "it holds the op '" + op->getName().getStringRef().str() +
                "', which is not kiln's: a saved graph holds kiln ops only";
    }
    for (mlir::Type t : op->getResultTypes())
      if (problem.empty() && !ir::try_kiln_type(t))
        problem = "an op ('" + op->getName().getStringRef().str() +
                  "') has a result that is not a kiln tensor";
  });
  if (!problem.empty()) fail(problem);
  if (funcs != 1) fail("it holds " + std::to_string(funcs) + " functions, not one");
  if (func.isExternal()) fail("its function has no body");
  for (mlir::Type t : func.getFunctionType().getInputs())
    if (!ir::try_kiln_type(t)) fail("an argument of its function is not a kiln tensor");
  for (mlir::Type t : func.getFunctionType().getResults())
    if (!ir::try_kiln_type(t)) fail("a result of its function is not a kiln tensor");
  if (mlir::failed(mlir::verify(*module))) fail("the graph does not verify: " + diagnostics);
  GraphPtr graph(new Graph);
  graph->module = std::move(module);
  return graph;
}

std::vector<rules::TensorType> argument_types(const Graph& graph) {
  std::vector<rules::TensorType> types;
  for (mlir::Type t : graph.func().getFunctionType().getInputs()) types.push_back(ir::kiln_type(t));
  return types;
}

std::vector<VariableUse> variable_uses(const Graph& graph) {
  std::vector<VariableUse> uses;
  graph.get()->walk([&](mlir::Operation* op) {
    if (auto read = mlir::dyn_cast<ir::ReadVariableOp>(op))
      uses.push_back({read.getIndex(), ir::kiln_type(read.getResult().getType()), false});
    else if (auto assign = mlir::dyn_cast<ir::AssignVariableOp>(op))
      uses.push_back({assign.getIndex(), ir::kiln_type(assign.getValue().getType()), true});
  });
  return uses;
}

}  // namespace kiln::detail
