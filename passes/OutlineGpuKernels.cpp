// kiln-outline-gpu-kernels: each "loop" fusion (and each "output" fusion's epilogue)
// becomes a CUDA kernel, a gpu.func in the module's gpu.module @kiln_gpu: one thread per
// element of the collapsed iteration space (FusionLayout.h), its coordinates recovered
// from the flat thread index, the body the ops' scalar lowerings (ScalarLowering.cpp),
// exactly what the CPU kernels compute per element. A "rows" fusion becomes a kernel of
// one thread block per row (outlineGpuRows).
#include <functional>

#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "passes/FusionQueries.h"
#include "passes/IRNumber.h"
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

/// An empty kernel `name` appended to `container`, its arguments those of the CPU kernel
/// (KernelBuilding.h); `b` is left at the start of its body, which is returned.
mlir::Block& createGpuKernel(mlir::OpBuilder& b, mlir::gpu::GPUModuleOp container,
                             ir::FusionOp fusion, const std::string& name,
                             const KernelLayout& layout) {
  b.setInsertionPoint(container.getBody()->getTerminator());
  auto kernel = b.create<mlir::gpu::GPUFuncOp>(
      fusion.getLoc(), name, b.getFunctionType(kernelArguments(fusion, layout), {}));
  kernel->setAttr(mlir::gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  mlir::Block& entry = kernel.getBody().front();
  b.setInsertionPointToStart(&entry);
  return entry;
}

mlir::LogicalResult outlineGpu(ir::FusionOp fusion, mlir::gpu::GPUModuleOp container,
                               const std::string& name) {
  const KernelLayout layout = kernelLayout(fusion);
  const size_t rank = layout.space.size();
  const mlir::Location loc = fusion.getLoc();
  mlir::OpBuilder b(fusion.getContext());
  mlir::Block& entry = createGpuKernel(b, container, fusion, name, layout);
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
    scalar[inputs[i]] =
        fromMemory(b, loc, v, llvm::cast<mlir::ShapedType>(inputs[i].getType()).getElementType());
  }
  bool failed = false;
  for (mlir::Operation& op : body) {
    if (&op == product) continue;
    if (auto y = llvm::dyn_cast<ir::YieldOp>(op)) {
      for (auto [k, value] : llvm::enumerate(y.getValues())) {
        mlir::Value v = scalar.lookup(value);
        if (!v) continue;
        b.create<mlir::memref::StoreOp>(loc, toMemory(b, loc, v), entry.getArgument(num_inputs + k),
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

// ---- Row fusions: one thread block per row ----------------------------------------------
//
// The phases of the CPU row kernel (KernelBuilding.h, rowPhases), each a loop of the
// block's threads striding over the row with one accumulator per reduction, combined
// across the block by gpu.all_reduce (every thread gets the row's value). Full values
// of earlier phases are recomputed from the inputs instead of kept in a buffer: the row
// is in cache, arithmetic is cheap on a GPU, and no scratch memory is needed.
mlir::LogicalResult outlineGpuRows(ir::FusionOp fusion, mlir::gpu::GPUModuleOp container,
                                   const std::string& name) {
  const std::vector<int64_t> space = rowSpace(fusion);
  if (space.empty()) return fusion.emitOpError("a rows fusion needs a reduction");
  const KernelLayout layout = kernelLayout(fusion);
  const int64_t D = space.back();
  auto collapsed = [&](mlir::Type t) { return rowShape(space, shapeOf(t)); };
  RowPhases plan = rowPhases(fusion);
  auto& info = plan.info;
  mlir::Block& body = fusion.getBody().front();
  auto yield = llvm::cast<ir::YieldOp>(body.getTerminator());

  const mlir::Location loc = fusion.getLoc();
  mlir::OpBuilder b(fusion.getContext());
  mlir::Block& entry = createGpuKernel(b, container, fusion, name, layout);
  const size_t num_inputs = layout.inputs.size();
  const mlir::Value c0 = b.create<mlir::arith::ConstantIndexOp>(loc, 0);
  const mlir::Value cD = b.create<mlir::arith::ConstantIndexOp>(loc, D);
  mlir::Value row = b.create<mlir::gpu::BlockIdOp>(loc, mlir::gpu::Dimension::x);
  mlir::Value thread = b.create<mlir::gpu::ThreadIdOp>(loc, mlir::gpu::Dimension::x);
  mlir::Value threads = b.create<mlir::gpu::BlockDimOp>(loc, mlir::gpu::Dimension::x);
  mlir::Value rows = b.create<mlir::memref::DimOp>(loc, entry.getArgument(num_inputs), c0);
  // Uniform per block: every thread of a block takes the same side (gpu.all_reduce needs
  // all of them).
  auto guard = b.create<mlir::scf::IfOp>(
      loc, b.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::ult, row, rows),
      /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());
  mlir::Value first_thread =
      b.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::eq, thread, c0);

  llvm::DenseMap<mlir::Value, mlir::Value> output;  // yielded value -> its memref
  for (auto [i, v] : llvm::enumerate(yield.getValues()))
    output[v] = entry.getArgument(num_inputs + i);
  llvm::DenseMap<mlir::Value, size_t> input_index;
  for (size_t i = 0; i < num_inputs; ++i) input_index[body.getArgument(i)] = i;
  auto elementOf = [](mlir::Value v) {
    return llvm::cast<mlir::ShapedType>(v.getType()).getElementType();
  };
  // A per-row value: stored by the block's first thread.
  auto storeOnce = [&](mlir::OpBuilder& ib, mlir::Value v, mlir::Value memref) {
    auto once = ib.create<mlir::scf::IfOp>(loc, first_thread, /*withElseRegion=*/false);
    mlir::OpBuilder ob = mlir::OpBuilder::atBlockTerminator(&once.getThenRegion().front());
    ob.create<mlir::memref::StoreOp>(loc, toMemory(ob, loc, v), memref, mlir::ValueRange{row, c0});
  };

  bool failed = false;
  llvm::DenseMap<mlir::Value, mlir::Value> scalar;  // per-row values
  for (size_t i = 0; i < num_inputs; ++i) {
    mlir::Value a = body.getArgument(i);
    if (info[a].full) continue;
    mlir::Value r = collapsed(a.getType())[0] == 1 ? c0 : row;
    scalar[a] = fromMemory(
        b, loc, b.create<mlir::memref::LoadOp>(loc, entry.getArgument(i), mlir::ValueRange{r, c0}),
        elementOf(a));
  }
  auto emitScalarOps = [&](mlir::OpBuilder& sb, int ready) {
    failed |= !emitRowScalars(sb, fusion, plan, ready, scalar, [&](mlir::Value v, mlir::Value res) {
      if (auto out = output.lookup(v)) storeOnce(sb, res, out);
    });
  };

  for (int k = 0; k < plan.phases; ++k) {
    emitScalarOps(b, k);
    llvm::SmallVector<mlir::Operation*> reductions;
    llvm::SmallVector<mlir::Value> init;
    for (mlir::Operation& op : body.without_terminator())
      if (isReduction(&op) && info[op.getResult(0)].phase == k + 1) {
        reductions.push_back(&op);
        mlir::Type t = elementOf(op.getResult(0));
        init.push_back(
            b.create<mlir::arith::ConstantOp>(loc, b.getFloatAttr(t, reductionIdentity(&op))));
      }
    auto loop = b.create<mlir::scf::ForOp>(
        loc, thread, cD, threads, init,
        [&](mlir::OpBuilder& jb, mlir::Location, mlir::Value j, mlir::ValueRange acc) {
          llvm::DenseMap<mlir::Value, mlir::Value> here;  // full values at column j
          std::function<mlir::Value(mlir::Value)> read = [&](mlir::Value v) -> mlir::Value {
            if (auto it = here.find(v); it != here.end()) return it->second;
            if (!info[v].full) return scalar.lookup(v);
            mlir::Value r;
            if (auto in = input_index.find(v); in != input_index.end()) {
              mlir::Value at_row = collapsed(v.getType())[0] == 1 ? c0 : row;
              r = fromMemory(jb, loc,
                             jb.create<mlir::memref::LoadOp>(loc, entry.getArgument(in->second),
                                                             mlir::ValueRange{at_row, j}),
                             elementOf(v));
            } else {  // computed in this or an earlier phase: (re)computed here
              mlir::Operation* def = v.getDefiningOp();
              llvm::SmallVector<mlir::Value> args;
              for (mlir::Value operand : def->getOperands()) args.push_back(read(operand));
              if (llvm::is_contained(args, mlir::Value())) return {};
              r = emitScalar(jb, *def, args);
            }
            if (!r) failed = true;
            here[v] = r;
            return r;
          };
          llvm::SmallVector<mlir::Value> next(acc.begin(), acc.end());
          for (auto [slot, op] : llvm::enumerate(reductions)) {
            mlir::Value x = read(op->getOperand(0));
            if (!x) continue;
            next[slot] =
                combineReduction(jb, loc, op, next[slot], x, mlir::arith::FastMathFlags::none);
          }
          // The full outputs of this phase.
          for (mlir::Operation& op : body.without_terminator()) {
            if (isReduction(&op)) continue;
            const RowValue& ri = info[op.getResult(0)];
            auto out = output.lookup(op.getResult(0));
            if (!ri.full || ri.phase != k || !out) continue;
            if (mlir::Value v = read(op.getResult(0)))
              jb.create<mlir::memref::StoreOp>(loc, toMemory(jb, loc, v), out,
                                               mlir::ValueRange{row, j});
          }
          jb.create<mlir::scf::YieldOp>(loc, next);
        });
    for (auto [i, op] : llvm::enumerate(reductions)) {
      using Kind = mlir::gpu::AllReduceOperation;
      const Kind kind = llvm::isa<ir::MaxOp>(op)   ? Kind::MAXIMUMF
                        : llvm::isa<ir::MinOp>(op) ? Kind::MINIMUMF
                                                   : Kind::ADD;
      mlir::Value partial = loop.getResult(i);
      mlir::Value v = b.create<mlir::gpu::AllReduceOp>(
          loc, partial.getType(), partial,
          mlir::gpu::AllReduceOperationAttr::get(b.getContext(), kind), b.getUnitAttr());
      if (llvm::isa<ir::MeanOp>(op))
        v = b.create<mlir::arith::DivFOp>(
            loc, v,
            b.create<mlir::arith::ConstantOp>(loc,
                                              b.getFloatAttr(v.getType(), static_cast<double>(D))));
      scalar[op->getResult(0)] = v;
      if (auto out = output.lookup(op->getResult(0))) storeOnce(b, v, out);
    }
  }
  emitScalarOps(b, plan.phases);
  b.setInsertionPointToEnd(&entry);
  b.create<mlir::gpu::ReturnOp>(loc);
  if (failed) return fusion.emitOpError("has an op without a scalar lowering");
  fusion.setKernelAttr(mlir::FlatSymbolRefAttr::get(fusion.getContext(), name));
  return mlir::success();
}

struct OutlineGpuKernels : impl::OutlineGpuKernelsBase<OutlineGpuKernels> {
  void runOnOperation() override {
    mlir::ModuleOp module = getOperation();
    // Fusions with dynamic dimensions run op by op on a CUDA device for now (the plan's
    // unfused steps): the launch geometry here is static.
    auto work = fusionsToOutline(module, "g", [](ir::FusionOp f) { return !hasDynamicShape(f); });
    if (work.empty()) return;
    mlir::gpu::GPUModuleOp container = gpuModule(module);
    for (auto& [f, name] : work) {
      auto done = f.getKind() == "rows" ? outlineGpuRows(f, container, name)
                                        : outlineGpu(f, container, name);
      if (mlir::failed(done)) return signalPassFailure();
    }
    declareLibraryCalls(container, /*libdevice=*/true);
  }
};

}  // namespace
}  // namespace kiln::passes
