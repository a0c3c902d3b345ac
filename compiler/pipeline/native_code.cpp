// The kernels' LLVM IR optimized and compiled to an object for the host CPU, and objects
// loaded with ORC's LLJIT (one JIT per concrete function, freed with it).
#include "compiler/pipeline/native_code.h"

#include <algorithm>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "kiln/error.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/IRCompileLayer.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"

namespace kiln::detail {
namespace {

std::string message_of(llvm::Error error) { return llvm::toString(std::move(error)); }

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::orc::JITTargetMachineBuilder host_builder() {
  initialize_llvm();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    throw Error("[function] the JIT cannot describe this host CPU");
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  return std::move(*builder);
}

std::unique_ptr<llvm::TargetMachine> host_machine() {
  auto tm = host_builder().createTargetMachine();
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
void keep_library_calls(llvm::Module& module) {
  for (llvm::Function& f : module) {
    if (f.isDeclaration() && !f.isIntrinsic()) f.addFnAttr(llvm::Attribute::NoBuiltin);
    for (llvm::BasicBlock& block : f)
      for (llvm::Instruction& i : block)
        if (auto* call = llvm::dyn_cast<llvm::CallInst>(&i))
          if (llvm::Function* callee = call->getCalledFunction();
              callee != nullptr && callee->isDeclaration() && !callee->isIntrinsic())
            call->addFnAttr(llvm::Attribute::NoBuiltin);
  }
}

void optimize_kernels(llvm::Module& module, llvm::TargetMachine& machine) {
  keep_library_calls(module);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes;
  if (llvm::Error e = builder.parsePassPipeline(passes, kKernelPipeline))
    throw Error("[function] internal error: the kernel pipeline does not parse: " +
                message_of(std::move(e)));
  passes.run(module, mam);
}

/// The JIT's compiler of LLVM IR, which kiln never gives it (kiln hands it objects): LLJIT
/// would otherwise make a target machine for it at every start.
class NoIRCompiler : public llvm::orc::IRCompileLayer::IRCompiler {
 public:
  NoIRCompiler() : IRCompiler(llvm::orc::IRSymbolMapper::ManglingOptions{}) {}
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> operator()(llvm::Module&) override {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "kiln's JIT loads objects; it compiles no LLVM IR");
  }
};

class ObjectKernels : public JitKernels {
 public:
  ObjectKernels(std::unique_ptr<llvm::orc::LLJIT> jit, const std::vector<std::string>& names)
      : jit_(std::move(jit)) {
    for (const std::string& name : names) {
      auto sym = jit_->lookup("_mlir_ciface_" + name);
      if (!sym)
        throw Error("[function] internal error: the JIT has no kernel '" + name +
                    "': " + message_of(sym.takeError()));
      addresses_[name] = sym->toPtr<void*>();
    }
  }
  void* address(const std::string& name) const override {
    auto it = addresses_.find(name);
    if (it == addresses_.end())
      throw Error("[function] internal error: the JIT has no kernel '" + name + "'");
    return it->second;
  }

 private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::unordered_map<std::string, void*> addresses_;
};

}  // namespace

const HostTarget& host_target() {
  // What the target machine would be made from (making one costs a millisecond or two,
  // which a cache hit's key should not pay).
  static const HostTarget target = [] {
    llvm::orc::JITTargetMachineBuilder builder = host_builder();
    return HostTarget{builder.getTargetTriple().str(), builder.getCPU(),
                      builder.getFeatures().getString()};
  }();
  return target;
}

std::string compile_object(mlir::ModuleOp kernels) {
  std::unique_ptr<llvm::TargetMachine> tm = host_machine();
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = mlir::translateModuleToLLVMIR(kernels, context);
  if (!module) throw Error("[function] internal error: the kernels do not translate to LLVM IR");
  module->setTargetTriple(tm->getTargetTriple().str());
  module->setDataLayout(tm->createDataLayout());
  optimize_kernels(*module, *tm);
  llvm::orc::SimpleCompiler compiler(*tm);
  auto object = compiler(*module);
  if (!object)
    throw Error("[function] internal error: native code generation failed: " +
                message_of(object.takeError()));
  return (*object)->getBuffer().str();
}

std::vector<std::string> compile_objects(mlir::ModuleOp kernels, int parts) {
  // The external functions with a body, by kernel: `k` and its wrapper `_mlir_ciface_k`.
  constexpr llvm::StringLiteral kWrapper = "_mlir_ciface_";
  llvm::MapVector<llvm::StringRef, size_t> size_of;  // kernel -> its ops (both functions)
  auto kernel_of = [&](mlir::LLVM::LLVMFuncOp f) {
    llvm::StringRef name = f.getSymName();
    return name.starts_with(kWrapper) ? name.drop_front(kWrapper.size()) : name;
  };
  auto distributed = [](mlir::LLVM::LLVMFuncOp f) {
    return !f.isExternal() && f.getLinkage() == mlir::LLVM::Linkage::External;
  };
  for (auto f : kernels.getOps<mlir::LLVM::LLVMFuncOp>()) {
    if (!distributed(f)) continue;
    size_t ops = 0;
    f.walk([&](mlir::Operation*) { ++ops; });
    size_of[kernel_of(f)] += ops;
  }
  const size_t n = std::min<size_t>(std::max(parts, 1), size_of.size());
  if (n <= 1) return {compile_object(kernels)};
  // Largest first, each to the part with the fewest ops so far.
  std::vector<std::pair<llvm::StringRef, size_t>> order(size_of.begin(), size_of.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<size_t> load(n, 0);
  llvm::StringMap<size_t> part_of;
  for (const auto& [name, ops] : order) {
    const size_t p = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    part_of[name] = p;
    load[p] += ops;
  }
  std::vector<mlir::OwningOpRef<mlir::ModuleOp>> modules;
  for (size_t p = 0; p < n; ++p) {
    modules.push_back(mlir::OwningOpRef<mlir::ModuleOp>(kernels.clone()));
    for (auto f : llvm::to_vector(modules.back()->getOps<mlir::LLVM::LLVMFuncOp>()))
      if (distributed(f) && part_of.lookup(kernel_of(f)) != p) {
        f.getBody().dropAllReferences();  // the blocks refer to each other's values
        f.getBody().getBlocks().clear();  // a declaration: another part defines it
      }
  }
  std::vector<std::string> objects(n);
  std::vector<std::string> errors(n);
  auto compile_part = [&](size_t p) {
    try {
      objects[p] = compile_object(*modules[p]);
    } catch (const std::exception& e) {
      errors[p] = e.what();
    }
  };
  std::vector<std::thread> threads;
  for (size_t p = 1; p < n; ++p) {
    try {
      threads.emplace_back(compile_part, p);
    } catch (const std::system_error&) {  // no thread to be had: this one compiles it
      compile_part(p);
    }
  }
  compile_part(0);
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors)
    if (!e.empty()) throw Error(e);
  return objects;
}

std::shared_ptr<JitKernels> load_objects(const std::vector<std::string>& objects,
                                         const std::vector<std::string>& names) {
  initialize_llvm();
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(host_builder())
                 .setCompileFunctionCreator(
                     [](llvm::orc::JITTargetMachineBuilder)
                         -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                       return std::make_unique<NoIRCompiler>();
                     })
                 .create();
  if (!jit)
    throw Error("[function] internal error: the JIT cannot start: " + message_of(jit.takeError()));
  // The kernels call the C library (libm) and nothing of kiln's: the process's symbols.
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!process)
    throw Error("[function] internal error: the JIT cannot see the process's symbols: " +
                message_of(process.takeError()));
  (*jit)->getMainJITDylib().addGenerator(std::move(*process));
  for (const std::string& object : objects)
    if (llvm::Error e =
            (*jit)->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object, "kiln-kernels.o")))
      throw Error("[function] internal error: the JIT cannot load the kernels' object: " +
                  message_of(std::move(e)));
  return std::make_shared<ObjectKernels>(std::move(*jit), names);
}

}  // namespace kiln::detail
