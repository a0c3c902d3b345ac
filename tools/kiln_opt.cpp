// kiln-opt: mlir-opt for kiln. Registers only the dialects kiln IR and its kernels (CPU and
// GPU) use (passes/Pipelines.h; compile time: see TOOLCHAIN.md), MLIR's generic transforms
// (canonicalize, cse, ...), and kiln's passes (passes/Passes.td) with the kiln-fuse,
// kiln-lower-kernels and kiln-lower-gpu-kernels pipelines.
#include "kiln/version.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

int main(int argc, char** argv) {
  mlir::registerTransformsPasses();
  kiln::passes::registerPasses();
  // --version: kiln's version before LLVM's.
  llvm::cl::AddExtraVersionPrinter(
      [](llvm::raw_ostream& os) { os << "kiln-opt (kiln) " KILN_VERSION_STRING "\n"; });
  mlir::DialectRegistry registry;
  kiln::passes::registerDialects(registry, /*gpu=*/true);  // kiln-lower-gpu-kernels: PTX
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "kiln optimizer driver\n", registry));
}
