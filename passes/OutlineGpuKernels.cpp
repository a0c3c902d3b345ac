// kiln-outline-gpu-kernels: each "loop" fusion (and each "output" fusion's epilogue)
// becomes a CUDA kernel, a gpu.func in the module's gpu.module @kiln_gpu: one thread per
// element of the collapsed iteration space (FusionLayout.h), its coordinates recovered
// from the flat thread index, the body the ops' scalar lowerings (ScalarLowering.cpp),
// exactly what the CPU kernels compute per element. Row fusions are not lowered yet.
#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "passes/FusionQueries.h"
#include "passes/KernelBuilding.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_OUTLINEGPUKERNELS
#include "passes/Passes.h.inc"

namespace {

constexpr llvm::StringLiteral kGpuModule = "kiln_gpu";

mlir::gpu::GPUModuleOp gpuModule(mlir::ModuleOp module) {
  for (auto m : module.getOps<mlir::gpu::GPUModuleOp>())
    if (m.getName() == kGpuModule) return m;
  mlir::OpBuilder b = mlir::OpBuilder::atBlockEnd(module.getBody());
  module->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(), b.getUnitAttr());
  return b.create<mlir::gpu::GPUModuleOp>(module.getLoc(), kGpuModule);
}

mlir::LogicalResult outlineGpu(ir::FusionOp fusion, mlir::gpu::GPUModuleOp container,
                               const std::string& name) {
  const KernelLayout layout = kernelLayout(fusion);
  const size_t rank = layout.space.size();
  const mlir::Location loc = fusion.getLoc();
  mlir::OpBuilder b = mlir::OpBuilder::atBlockTerminator(container.getBody());
  auto kernel = b.create<mlir::gpu::GPUFuncOp>(
      loc, name, b.getFunctionType(kernelArguments(fusion, layout), {}));
  kernel->setAttr(mlir::gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  mlir::Block& entry = kernel.getBody().front();
  b.setInsertionPointToStart(&entry);
  const size_t num_inputs = layout.inputs.size();
  auto index = [&](int64_t v) {
    return b.create<mlir::arith::ConstantIndexOp>(loc, v).getResult();
  };
  const mlir::Value c0 = index(0);

  // The flat element index, and the element count: dimension 0 is the outputs' (dynamic).
  mlir::Value block = b.create<mlir::gpu::BlockIdOp>(loc, mlir::gpu::Dimension::x);
  mlir::Value width = b.create<mlir::gpu::BlockDimOp>(loc, mlir::gpu::Dimension::x);
  mlir::Value thread = b.create<mlir::gpu::ThreadIdOp>(loc, mlir::gpu::Dimension::x);
  mlir::Value flat =
      b.create<mlir::arith::AddIOp>(loc, b.create<mlir::arith::MulIOp>(loc, block, width), thread);
  int64_t inner = 1;
  for (size_t d = 1; d < rank; ++d) inner *= layout.space[d];
  mlir::Value count = b.create<mlir::arith::MulIOp>(
      loc, b.create<mlir::memref::DimOp>(loc, entry.getArgument(num_inputs), c0), index(inner));
  mlir::Value inside =
      b.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::ult, flat, count);
  auto guard = b.create<mlir::scf::IfOp>(loc, inside, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());

  // Coordinates, innermost first: flat = ((c0 * s1 + c1) * s2 + c2) ...
  llvm::SmallVector<mlir::Value> coord(rank);
  mlir::Value rest = flat;
  for (size_t d = rank; d-- > 1;) {
    mlir::Value extent = index(layout.space[d]);
    coord[d] = b.create<mlir::arith::RemUIOp>(loc, rest, extent);
    rest = b.create<mlir::arith::DivUIOp>(loc, rest, extent);
  }
  coord[0] = rest;
  auto at = [&](const std::vector<int64_t>& shape) {
    llvm::SmallVector<mlir::Value> indices;
    for (size_t d = 0; d < rank; ++d)
      indices.push_back(shape[d] == layout.space[d] ? coord[d] : c0);  // broadcast: index 0
    return indices;
  };

  mlir::Block& body = fusion.getBody().front();
  const llvm::SmallVector<mlir::Value> inputs = kernelInputs(fusion);
  mlir::Operation* product = outputProduct(fusion);  // cuBLAS's part, not the kernel's
  llvm::DenseMap<mlir::Value, mlir::Value> scalar;
  for (size_t i = 0; i < num_inputs; ++i) {
    mlir::Value v = b.create<mlir::memref::LoadOp>(loc, entry.getArgument(i), at(layout.inputs[i]));
    if (llvm::cast<mlir::ShapedType>(inputs[i].getType()).getElementType().isInteger(1))
      v = b.create<mlir::arith::CmpIOp>(
          loc, mlir::arith::CmpIPredicate::ne, v,
          b.create<mlir::arith::ConstantOp>(loc, b.getI8IntegerAttr(0)));
    scalar[inputs[i]] = v;
  }
  bool failed = false;
  for (mlir::Operation& op : body) {
    if (&op == product) continue;
    if (auto y = llvm::dyn_cast<ir::YieldOp>(op)) {
      for (auto [k, value] : llvm::enumerate(y.getValues())) {
        mlir::Value v = scalar.lookup(value);
        if (!v) continue;
        if (v.getType().isInteger(1)) v = b.create<mlir::arith::ExtUIOp>(loc, b.getI8Type(), v);
        b.create<mlir::memref::StoreOp>(loc, v, entry.getArgument(num_inputs + k),
                                        at(layout.outputs[k]));
      }
      continue;
    }
    llvm::SmallVector<mlir::Value> args;
    for (mlir::Value v : op.getOperands()) args.push_back(scalar.lookup(v));
    mlir::Value r =
        llvm::is_contained(args, mlir::Value()) ? mlir::Value() : emitScalar(b, op, args);
    if (!r) {
      failed = true;
      continue;
    }
    scalar[op.getResult(0)] = r;
  }
  b.setInsertionPointToEnd(&entry);
  b.create<mlir::gpu::ReturnOp>(loc);
  if (failed) return mlir::failure();
  fusion.setKernelAttr(mlir::FlatSymbolRefAttr::get(fusion.getContext(), name));
  return mlir::success();
}

struct OutlineGpuKernels : impl::OutlineGpuKernelsBase<OutlineGpuKernels> {
  void runOnOperation() override {
    mlir::ModuleOp module = getOperation();
    auto work = fusionsToOutline(module, "g", [](ir::FusionOp f) { return f.getKind() != "rows"; });
    if (work.empty()) return;
    mlir::gpu::GPUModuleOp container = gpuModule(module);
    for (auto& [f, name] : work)
      if (mlir::failed(outlineGpu(f, container, name))) return signalPassFailure();
  }
};

}  // namespace
}  // namespace kiln::passes
