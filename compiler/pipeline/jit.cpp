// jit=true: kiln-fuse-elementwise, kiln-outline-fusions, kiln-lower-kernels, then one
// LLVM module per concrete function compiled for the host CPU.
#include "compiler/pipeline/jit.h"

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "compiler/trace/graph.h"
#include "ir/KilnOps.h"
#include "kiln/error.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

namespace kiln::detail {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string text(mlir::Operation* op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os, mlir::OpPrintingFlags().enableDebugInfo(true, /*prettyForm=*/false));
  return s;
}

/// Runs `pm` on `module`; failures become a kiln::Error with MLIR's diagnostics.
void run(mlir::PassManager& pm, mlir::ModuleOp module, const char* what) {
  std::string message;
  mlir::ScopedDiagnosticHandler handler(module.getContext(), [&](mlir::Diagnostic& d) {
    message += d.str() + "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(module)))
    throw Error(std::string("[function] internal error: ") + what + " failed: " + message);
}

class EngineKernels : public JitKernels {
 public:
  EngineKernels(std::unique_ptr<mlir::ExecutionEngine> engine,
                const std::vector<std::string>& names)
      : engine_(std::move(engine)) {
    for (const std::string& name : names) {
      auto sym = engine_->lookup("_mlir_ciface_" + name);
      if (!sym) {
        std::string message = llvm::toString(sym.takeError());
        throw Error("[function] internal error: the JIT has no kernel '" + name + "': " + message);
      }
      addresses_[name] = *sym;
    }
  }
  void* address(const std::string& name) const override {
    auto it = addresses_.find(name);
    if (it == addresses_.end())
      throw Error("[function] internal error: the JIT has no kernel '" + name + "'");
    return it->second;
  }

 private:
  std::unique_ptr<mlir::ExecutionEngine> engine_;
  std::unordered_map<std::string, void*> addresses_;
};

std::unique_ptr<llvm::TargetMachine> host_machine() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    throw Error("[function] the JIT cannot describe this host CPU");
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto tm = builder->createTargetMachine();
  if (!tm) {
    llvm::consumeError(tm.takeError());
    throw Error("[function] the JIT cannot create a target machine for this host CPU");
  }
  return std::move(*tm);
}

// The LLVM passes the kernels need. They arrive vectorized, with masked tails, from MLIR,
// so the O3 pipeline (loop and SLP vectorizers, repeated inlining and GVN) spends most of
// codegen time finding nothing; what is left to do is cleaning up the lowering (SROA,
// CSE, instcombine), hoisting per-row values out of the phase loops (LICM) and unrolling
// the short fixed-count row loops (more independent accumulators).
// (instcombine, as in LLVM's own pipelines, without the fixpoint check that aborts.)
constexpr const char* kKernelPipeline =
    "function(sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg,loop(loop-rotate),"
    "loop-mssa(licm),loop-unroll<O3>,instcombine<no-verify-fixpoint>,simplifycfg)";

/// The C library functions the kernels call are the eager kernels' own, called as written:
/// LLVM must not rewrite a call it recognizes (pow(x, 2.0) into x * x, pow(2.0, x) into
/// exp2(x): each within an ulp of glibc's result, not equal to it), so compiled results
/// stay eager's bit for bit.
void keep_library_calls(llvm::Module* module) {
  for (llvm::Function& f : *module) {
    if (f.isDeclaration() && !f.isIntrinsic()) f.addFnAttr(llvm::Attribute::NoBuiltin);
    for (llvm::BasicBlock& block : f)
      for (llvm::Instruction& i : block)
        if (auto* call = llvm::dyn_cast<llvm::CallInst>(&i))
          if (llvm::Function* callee = call->getCalledFunction();
              callee != nullptr && callee->isDeclaration() && !callee->isIntrinsic())
            call->addFnAttr(llvm::Attribute::NoBuiltin);
  }
}

llvm::Error optimize_kernels(llvm::Module* module, llvm::TargetMachine* machine) {
  keep_library_calls(module);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes;
  if (llvm::Error e = builder.parsePassPipeline(passes, kKernelPipeline)) return e;
  passes.run(*module, mam);
  return llvm::Error::success();
}

}  // namespace

std::string fuse(Graph& graph, const CodegenOptions& options) {
  mlir::ModuleOp module = graph.get();
  if (options.fast_math)
    module->setAttr("kiln.fast_math", mlir::UnitAttr::get(module.getContext()));
  mlir::PassManager pm(module.getContext());
  passes::addFusionPipeline(pm);
  run(pm, module, "fusion");
  locate_unknown(module);
  return text(module);
}

JitResult jit_compile(Graph& graph, const CodegenOptions& options) {
  JitResult result;
  mlir::ModuleOp module = graph.get();
  mlir::MLIRContext* context = module.getContext();

  auto t0 = Clock::now();
  result.fused = fuse(graph, options);
  {
    mlir::PassManager pm(context);
    pm.addPass(passes::createOutlineFusions());
    run(pm, module, "outlining fused kernels");
  }
  locate_unknown(module);
  result.lowered = text(module);

  // The kernels move to a module of their own; the graph keeps the fusions naming them.
  mlir::OpBuilder b(context);
  mlir::OwningOpRef<mlir::ModuleOp> kernels = mlir::ModuleOp::create(module.getLoc());
  b.setInsertionPointToEnd(kernels->getBody());
  mlir::func::FuncOp main = graph.func();
  std::vector<std::string> names;
  for (auto f : llvm::to_vector(module.getOps<mlir::func::FuncOp>())) {
    if (f == main) continue;
    if (!f.isDeclaration()) names.push_back(f.getSymName().str());  // else a C library function
    b.clone(*f);
    f->erase();
  }
  result.fuse_ms = ms_since(t0);
  if (kernels->getBody()->empty()) return result;

  auto t1 = Clock::now();
  {
    mlir::PassManager pm(context);
    passes::addKernelLoweringPasses(pm);
    run(pm, *kernels, "lowering fused kernels to LLVM");
  }
  locate_unknown(*kernels);
  result.llvm = text(*kernels);

  // The host TargetMachine goes to both the optimizer (its cost model) and the engine.
  std::unique_ptr<llvm::TargetMachine> tm = host_machine();
  llvm::TargetMachine* machine = tm.get();
  auto transformer = [machine](llvm::Module* m) { return optimize_kernels(m, machine); };
  mlir::ExecutionEngineOptions engine_options;
  engine_options.transformer = transformer;  // a function_ref: `transformer` outlives create()
  engine_options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = mlir::ExecutionEngine::create(*kernels, engine_options, std::move(tm));
  if (!engine) {
    std::string message = llvm::toString(engine.takeError());
    throw Error("[function] internal error: JIT compilation failed: " + message);
  }
  // Looking the kernels up makes ORC generate their code now, inside codegen_ms.
  result.kernels = std::make_shared<EngineKernels>(std::move(*engine), names);
  result.codegen_ms = ms_since(t1);
  return result;
}

}  // namespace kiln::detail
