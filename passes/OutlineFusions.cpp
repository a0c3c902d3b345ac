// kiln-outline-fusions: each kiln.fusion becomes a kernel function on memrefs: a "loop"
// fusion a vectorized loop nest over the collapsed iteration space (FusionLayout.h), a
// "rows" fusion a row loop with phases.
#include <algorithm>
#include <cmath>

#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "llvm/ADT/SetVector.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "passes/FusionQueries.h"
#include "passes/IRNumber.h"
#include "passes/KernelBuilding.h"
#include "passes/Passes.h"
#include "passes/ScalarLowering.h"

namespace kiln::passes {

#define GEN_PASS_DEF_OUTLINEFUSIONS
#include "passes/Passes.h.inc"

namespace {

/// An empty kernel function `name` appended to `module` (C interface, for the runtime);
/// `b` is left at the start of its body.
mlir::Block* createKernel(mlir::OpBuilder& b, mlir::ModuleOp module, ir::FusionOp fusion,
                          const std::string& name, const KernelLayout& layout) {
  b.setInsertionPointToEnd(module.getBody());
  auto kernel = b.create<mlir::func::FuncOp>(
      fusion.getLoc(), name, b.getFunctionType(kernelArguments(fusion, layout), {}));
  kernel->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  mlir::Block* entry = kernel.addEntryBlock();
  b.setInsertionPointToStart(entry);
  return entry;
}

/// Whether the fusion's scalar body calls the C library for every element (float pow, the
/// f64 elementary functions): each op is lowered once on placeholder scalars in a scratch
/// block and the calls it makes at its top level looked for (f32 sin/cos call the library
/// only inside a branch for rare huge arguments: those stay vector kernels).
bool callsLibraryPerElement(ir::FusionOp fusion) {
  mlir::Block scratch;  // in no region: its ops go with it
  mlir::OpBuilder b(fusion.getContext());
  b.setInsertionPointToStart(&scratch);
  for (mlir::Operation& op : fusion.getBody().front().without_terminator()) {
    if (!hasScalarLowering(&op)) continue;
    llvm::SmallVector<mlir::Value> args;
    for (mlir::Value operand : op.getOperands())
      args.push_back(
          scratch.addArgument(mlir::getElementTypeOrSelf(operand.getType()), op.getLoc()));
    lowerToScalar(b, &op, args);
  }
  // The math ops LLVM turns into C library calls (one per lane of a vector), and the calls
  // kiln makes itself (IRNumber's libmCall).
  return llvm::any_of(scratch, [](mlir::Operation& op) {
    namespace math = mlir::math;
    return llvm::isa<mlir::func::CallOp, math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
                     math::Log2Op, math::Log10Op, math::Log1pOp, math::SinOp, math::CosOp,
                     math::TanOp, math::TanhOp, math::AtanOp, math::Atan2Op, math::ErfOp,
                     math::PowFOp, math::CbrtOp>(op);
  });
}

/// Lanes of a kernel's vectors: `bits` of its widest element type (512: one AVX-512
/// register, two AVX2 ones), fewer where the innermost dimension is shorter. One where the
/// body calls the C library per element: over a vector each lane would be extracted, the
/// vectors spilled around every call and the lane put back (pow: 1.6x the eager kernel's
/// plain loop of calls, f64 exp 1.3x); one lane is that loop.
int64_t kernelLanes(ir::FusionOp fusion, int64_t innermost, int64_t bits = 512) {
  if (callsLibraryPerElement(fusion)) return 1;
  unsigned widest = 8;
  auto widen = [&](mlir::Type t) {
    mlir::Type e = memoryElement(mlir::getElementTypeOrSelf(t));
    widest = std::max(widest, e.getIntOrFloatBitWidth());
  };
  fusion.getBody().walk([&](mlir::Operation* op) {
    for (mlir::Type t : op->getResultTypes()) widen(t);
    for (mlir::Type t : op->getOperandTypes()) widen(t);
  });
  int64_t lanes = std::max<int64_t>(1, bits / widest);
  if (innermost != mlir::ShapedType::kDynamic)
    while (lanes > 1 && lanes / 2 >= innermost) lanes /= 2;
  return lanes;
}

/// The mask of the lanes of a vector loop's step at `j` that lie before `extent`; null
/// where every step is whole (a static extent that is a multiple of `lanes`).
mlir::Value stepMask(mlir::OpBuilder& b, mlir::Location loc, int64_t lanes, mlir::Value extent,
                     mlir::Value j) {
  if (auto n = mlir::getConstantIntValue(extent); n && *n % lanes == 0) return {};
  return b.create<mlir::vector::CreateMaskOp>(
      loc, mlir::VectorType::get({lanes}, b.getI1Type()),
      mlir::ValueRange{b.create<mlir::arith::SubIOp>(loc, extent, j)});
}

/// `lanes` elements of `memref` from `at` (the masked-off ones read as zero).
mlir::Value loadLanes(mlir::OpBuilder& b, mlir::Location loc, mlir::VectorType type,
                      mlir::Value memref, mlir::ValueRange at, mlir::Value mask) {
  if (!mask) return b.create<mlir::vector::LoadOp>(loc, type, memref, at);
  mlir::Value zero = b.create<mlir::arith::ConstantOp>(
      loc, mlir::SplatElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
  return b.create<mlir::vector::MaskedLoadOp>(loc, type, memref, at, mask, zero);
}

void storeLanes(mlir::OpBuilder& b, mlir::Location loc, mlir::Value value, mlir::Value memref,
                mlir::ValueRange at, mlir::Value mask) {
  if (!mask)
    b.create<mlir::vector::StoreOp>(loc, value, memref, at);
  else
    b.create<mlir::vector::MaskedStoreOp>(loc, memref, at, mask, value);
}

bool isSplatConstant(mlir::Operation& op) {
  auto c = llvm::dyn_cast<ir::ConstantOp>(op);
  return c && llvm::cast<mlir::DenseElementsAttr>(c.getValue()).isSplat();
}

// ---- Stages of a long chain -------------------------------------------------------------
//
// A body whose critical path is long (W1: 50 tanh in a row) runs as a sequence of stages
// of about kStageCost (opCost units, a transcendental function ~16) each, over tiles of
// kTileSteps vector steps: stage 1 over the whole tile, then stage 2, ... Each stage's loop
// body is short and its iterations independent, so the core overlaps iterations (the
// latency a single chain would wait out), and code generation, whose cost grows with the
// size of a loop body, sees 50 small bodies instead of one huge one (W1 on a Zen 3 against
// one loop over 1024-bit vectors: codegen 335-402 -> 153-180 ms, a call 7.8-9.3 -> 6.8-6.9
// us). A value crossing from one stage to a later one goes through a tile buffer on the
// stack (L1; fewer steps per tile where so many values wait at once that their buffers
// would pass kTileStackBytes); splat constants are made again in each stage.

constexpr int64_t kStageCost = 16;
constexpr int64_t kTileSteps = 16;
constexpr int64_t kTileStackBytes = int64_t{64} << 10;

/// One stage: its ops; the values it reads from earlier stages' tiles and writes for later
/// ones; the inputs it loads. (The last stage stores the results.)
struct Stage {
  llvm::DenseSet<mlir::Operation*> ops;
  llvm::SetVector<mlir::Value> reads, writes;
  llvm::DenseSet<mlir::Value> inputs;
};
struct Stages {
  std::vector<Stage> list;
  /// Tile buffers, by element type in memory, and the one each value crossing stages
  /// uses: a buffer is reused once the stages reading its value are done (by the last of
  /// them, too: each step reads its tiles before it writes any), so a chain needs one.
  llvm::SmallVector<mlir::Type> buffers;
  llvm::DenseMap<mlir::Value, size_t> buffer_of;
};

/// The body cut into stages in its order (each op's operands come from its own stage, an
/// earlier one or the inputs). `product` (an output fusion's matmul) is computed outside.
Stages stagesOf(mlir::Block& body, mlir::Operation* product) {
  Stages stages;
  llvm::DenseMap<mlir::Operation*, size_t> stage_of;
  llvm::SetVector<mlir::Value> tiled;            // values that cross stages, in body order
  llvm::DenseMap<mlir::Value, size_t> last_use;  // the last stage reading one
  int64_t cost = kStageCost;                     // a new stage before the first op
  for (mlir::Operation& op : body.without_terminator()) {
    if (&op == product || isSplatConstant(op)) continue;
    if (cost >= kStageCost) {
      stages.list.emplace_back();
      cost = 0;
    }
    stages.list.back().ops.insert(&op);
    stage_of[&op] = stages.list.size() - 1;
    cost += opCost(&op);
  }
  if (stages.list.empty()) stages.list.emplace_back();
  // Where each use is: an input is loaded by the stages that use it, a value of another
  // stage goes through a tile. Every result is stored by the last stage: a result may be
  // written over an input (the plan gives a dying input's buffer to a result), which each
  // step reads before it writes, but a later stage would read after an earlier one wrote.
  auto use = [&](mlir::Value v, size_t user) {
    mlir::Operation* def = v.getDefiningOp();
    if (def == nullptr || def == product) {
      stages.list[user].inputs.insert(v);
      return;
    }
    auto it = stage_of.find(def);
    if (it == stage_of.end() || it->second == user) return;  // a splat constant, or local
    tiled.insert(v);
    last_use[v] = std::max(last_use.lookup(v), user);
    stages.list[it->second].writes.insert(v);
    stages.list[user].reads.insert(v);
  };
  for (mlir::Operation& op : body.without_terminator()) {
    auto it = stage_of.find(&op);
    if (it == stage_of.end()) continue;
    for (mlir::Value v : op.getOperands()) use(v, it->second);
  }
  for (mlir::Value result : llvm::cast<ir::YieldOp>(body.getTerminator()).getValues())
    use(result, stages.list.size() - 1);
  // In body order, so by the stage making each value.
  llvm::SmallVector<mlir::Value> holding;  // buffer -> the value it holds now
  for (mlir::Value v : tiled) {
    const size_t made = stage_of.lookup(v.getDefiningOp());
    const mlir::Type element = memoryElement(mlir::getElementTypeOrSelf(v.getType()));
    size_t buffer = 0;
    while (buffer < holding.size() &&
           !(stages.buffers[buffer] == element && last_use.lookup(holding[buffer]) <= made))
      ++buffer;
    if (buffer == holding.size()) {
      stages.buffers.push_back(element);
      holding.push_back(v);
    }
    holding[buffer] = v;
    stages.buffer_of[v] = buffer;
  }
  return stages;
}

/// A loop fusion's kernel (or an output fusion's epilogue): loops over the collapsed
/// iteration space; the innermost one walks `lanes` elements at a time with vector loads
/// and stores, masked where the extent may leave a partial last step, so the body exists
/// once, as vector code, and LLVM has no loop to vectorize. An input broadcast along the
/// innermost dimension is one scalar load, splat.
mlir::LogicalResult outline(ir::FusionOp fusion, mlir::ModuleOp module, const std::string& name) {
  const KernelLayout layout = kernelLayout(fusion);
  const size_t rank = layout.space.size();
  mlir::MLIRContext* ctx = fusion.getContext();
  const mlir::Location loc = fusion.getLoc();
  mlir::OpBuilder b(ctx);
  mlir::Block* entry = createKernel(b, module, fusion, name, layout);
  const size_t num_inputs = layout.inputs.size();
  mlir::Value first_output = entry->getArgument(num_inputs);
  auto index = [&](int64_t v) {
    return b.create<mlir::arith::ConstantIndexOp>(loc, v).getResult();
  };
  const mlir::Value c0 = index(0), c1 = index(1);
  auto extent = [&](size_t d) -> mlir::Value {
    if (d == 0) return b.create<mlir::memref::DimOp>(loc, first_output, c0);
    return index(layout.space[d]);
  };
  const int64_t inner_static = rank == 1 ? mlir::ShapedType::kDynamic : layout.space.back();
  // A long chain of dependent ops (W1: 50 tanh in a row) is latency-bound, and as one
  // loop body it is slow to compile (LLVM's instruction selection and register allocation
  // grow with the body: 50 tanh over 1024-bit vectors took 300 ms). It runs in stages
  // instead (see Stages below): short loop bodies, whose iterations are independent, so
  // the core overlaps several of them and finds the parallelism wider vectors gave.
  const bool long_chain = bodyCost(fusion).critical_path >= 256;
  const int64_t lanes = kernelLanes(fusion, inner_static, 512);

  // The outer loops; `ivs` are their induction variables.
  llvm::SmallVector<mlir::Value> ivs;
  for (size_t d = 0; d + 1 < rank; ++d) {
    auto loop = b.create<mlir::scf::ForOp>(loc, c0, extent(d), c1);
    b.setInsertionPointToStart(loop.getBody());
    ivs.push_back(loop.getInductionVar());
  }
  auto vectorOf = [&](mlir::Type element) { return mlir::VectorType::get({lanes}, element); };
  mlir::Block& body = fusion.getBody().front();
  const llvm::SmallVector<mlir::Value> inputs = kernelInputs(fusion);
  mlir::Operation* product = outputProduct(fusion);  // computed by the runtime, not here

  const Stages stages = long_chain ? stagesOf(body, product) : Stages();

  // A long chain's tile buffers (made with its loops, below) and the one of a value.
  llvm::SmallVector<mlir::Value> buffers;
  auto tileOf = [&](mlir::Value v) { return buffers[stages.buffer_of.lookup(v)]; };

  // One step of the innermost loop at column j: the body over `lanes` elements, loads and
  // stores masked by `mask` where it is not null; with `stage` (one of `stages`), only that
  // stage's ops, its operands from earlier stages read from their tiles at `at_tile`, its
  // values later stages use written to theirs, and the results stored by the last stage
  // only. False where an op has no lowering.
  auto emitStep = [&](mlir::Value j, mlir::Value mask, const Stage* stage = nullptr,
                      mlir::Value at_tile = {}) {
    auto indices = [&](const std::vector<int64_t>& shape, bool innermost) {
      llvm::SmallVector<mlir::Value> at;
      for (size_t d = 0; d + 1 < rank; ++d) at.push_back(shape[d] == layout.space[d] ? ivs[d] : c0);
      at.push_back(innermost ? j : c0);
      return at;
    };
    llvm::DenseMap<mlir::Value, mlir::Value> lane;  // body value -> its vector
    if (stage != nullptr)
      for (mlir::Value value : stage->reads) {
        mlir::Type t = mlir::getElementTypeOrSelf(value.getType());
        mlir::Value v =
            b.create<mlir::vector::LoadOp>(loc, vectorOf(memoryElement(t)), tileOf(value), at_tile);
        lane[value] = fromMemory(b, loc, v, t);
      }
    for (size_t i = 0; i < num_inputs; ++i) {
      if (stage != nullptr && !stage->inputs.contains(inputs[i])) continue;
      const auto& shape = layout.inputs[i];
      mlir::Type t = llvm::cast<mlir::ShapedType>(inputs[i].getType()).getElementType();
      mlir::Type stored = memoryElement(t);
      mlir::Value memref = entry->getArgument(i);
      mlir::Value v;
      if (shape.back() == layout.space.back()) {
        v = loadLanes(b, loc, vectorOf(stored), memref, indices(shape, true), mask);
      } else {
        mlir::Value s = b.create<mlir::memref::LoadOp>(loc, memref, indices(shape, false));
        v = b.create<mlir::vector::BroadcastOp>(loc, vectorOf(stored), s);
      }
      lane[inputs[i]] = fromMemory(b, loc, v, t);
    }
    bool ok = true;
    for (mlir::Operation& op : body) {
      if (&op == product) continue;
      if (auto y = llvm::dyn_cast<ir::YieldOp>(op)) {
        if (stage != nullptr && stage != &stages.list.back()) continue;
        for (auto [k, value] : llvm::enumerate(y.getValues())) {
          mlir::Value v = lane.lookup(value);
          if (!v) continue;
          storeLanes(b, loc, toMemory(b, loc, v), entry->getArgument(num_inputs + k),
                     indices(layout.outputs[k], true), mask);
        }
        continue;
      }
      const bool splat = isSplatConstant(op);
      if (stage != nullptr && !splat && !stage->ops.contains(&op)) continue;
      mlir::Value r;
      if (auto c = llvm::dyn_cast<ir::ConstantOp>(op); splat) {
        mlir::Value s = scalarConstant(b, c);
        r = b.create<mlir::vector::BroadcastOp>(loc, vectorOf(s.getType()), s);
      } else {
        llvm::SmallVector<mlir::Value> args;
        for (mlir::Value v : op.getOperands()) args.push_back(lane.lookup(v));
        if (llvm::is_contained(args, mlir::Value())) {
          ok = false;
          continue;
        }
        r = emitScalar(b, op, args);
      }
      if (!r) {
        ok = false;
        continue;
      }
      lane[op.getResult(0)] = r;
    }
    if (stage != nullptr)
      for (mlir::Value value : stage->writes)
        b.create<mlir::vector::StoreOp>(loc, toMemory(b, loc, lane.lookup(value)), tileOf(value),
                                        at_tile);
    return ok;
  };

  // The innermost loop. Where its extent may leave a partial last step (a dynamic extent:
  // every one-dimensional kernel, whose length is the chunk the plan hands it), whole steps
  // run unmasked and the rest is one masked step after the loop: a masked load or store
  // costs a k-register on AVX-512 but is microcoded on AVX2 (vmaskmov: a 1M-element add ran
  // at 0.45 ns/element masked against the eager loop's 0.11 on a Zen 3). A long chain runs
  // in stages over tiles instead.
  mlir::Value n = extent(rank - 1);
  const auto static_n = mlir::getConstantIntValue(n);
  const bool whole_steps = static_n && *static_n % lanes == 0;
  bool failed = false;
  if (long_chain) {
    // Tiles of kTileSteps steps; within a tile, each stage is a loop over the tile's steps
    // (masked where the extent may end within a step: the arithmetic hides the masks).
    // A value one stage makes and a later one uses waits in a tile buffer on the stack.
    // Fewer steps per tile where many values wait at once: the buffers stay within
    // kTileStackBytes of the (worker) thread's stack.
    int64_t step_bytes = 0;
    for (mlir::Type element : stages.buffers)
      step_bytes += lanes * std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
    const int64_t tile_steps =
        std::clamp<int64_t>(kTileStackBytes / std::max<int64_t>(1, step_bytes), 1, kTileSteps);
    const int64_t tile_elements = tile_steps * lanes;
    {
      mlir::OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(entry);
      for (mlir::Type element : stages.buffers)
        buffers.push_back(
            b.create<mlir::memref::AllocaOp>(loc, mlir::MemRefType::get({tile_elements}, element)));
    }
    auto tiles = b.create<mlir::scf::ForOp>(loc, c0, n, index(tile_elements));
    b.setInsertionPointToStart(tiles.getBody());
    mlir::Value start = tiles.getInductionVar();
    mlir::Value end = b.create<mlir::arith::MinUIOp>(
        loc, n, b.create<mlir::arith::AddIOp>(loc, start, index(tile_elements)));
    for (const Stage& stage : stages.list) {
      mlir::OpBuilder::InsertionGuard guard(b);
      auto steps = b.create<mlir::scf::ForOp>(loc, start, end, index(lanes));
      b.setInsertionPointToStart(steps.getBody());
      mlir::Value j = steps.getInductionVar();
      mlir::Value at_tile = b.create<mlir::arith::SubIOp>(loc, j, start);
      // Only stages that load inputs or store results touch the kernel's memory.
      const bool touches = !stage.inputs.empty() || &stage == &stages.list.back();
      failed |=
          !emitStep(j, touches ? stepMask(b, loc, lanes, n, j) : mlir::Value(), &stage, at_tile);
    }
  } else if (whole_steps) {
    auto inner = b.create<mlir::scf::ForOp>(loc, c0, n, index(lanes));
    b.setInsertionPointToStart(inner.getBody());
    failed = !emitStep(inner.getInductionVar(), {});
  } else {
    mlir::Value whole_end =
        b.create<mlir::arith::SubIOp>(loc, n, b.create<mlir::arith::RemUIOp>(loc, n, index(lanes)));
    auto inner = b.create<mlir::scf::ForOp>(loc, c0, whole_end, index(lanes));
    b.setInsertionPointToStart(inner.getBody());
    failed = !emitStep(inner.getInductionVar(), {});
    b.setInsertionPointAfter(inner);
    mlir::Value partial =
        b.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::ult, whole_end, n);
    auto tail = b.create<mlir::scf::IfOp>(loc, partial, /*withElseRegion=*/false);
    b.setInsertionPointToStart(tail.thenBlock());
    failed |= !emitStep(whole_end, stepMask(b, loc, lanes, n, whole_end));
  }
  b.setInsertionPointToEnd(entry);
  b.create<mlir::func::ReturnOp>(loc);
  if (failed) return mlir::failure();
  fusion.setKernelAttr(mlir::FlatSymbolRefAttr::get(ctx, name));
  return mlir::success();
}

// ---- Row fusions ------------------------------------------------------------------------
//
// The kernel loops over its rows; within a row, a reduction needs the whole row before
// the values that use its result, so the row is walked in phases: phase k computes the
// full-width values that depend on reductions of phases < k (and the reductions of those
// values), one vector loop over the row each (masked at the row's end; reductions keep
// one accumulator per lane and combine the lanes after the loop). Per-row scalars (reduction
// results and what is computed from them) live in registers between phases. A full-width value used
// in a later phase is kept in a stack buffer of one row (cache-resident).

mlir::LogicalResult outlineRows(ir::FusionOp fusion, mlir::ModuleOp module,
                                const std::string& name) {
  mlir::Block& body = fusion.getBody().front();
  const std::vector<int64_t> space = rowSpace(fusion);
  if (space.empty()) return fusion.emitOpError("a rows fusion needs a reduction");
  const KernelLayout layout = kernelLayout(fusion);
  for (const auto& shape : layout.inputs)
    if (shape.empty()) return fusion.emitOpError("an input does not fit the row space");
  const int64_t D = space.back();
  mlir::MLIRContext* ctx = fusion.getContext();
  auto collapsed = [&](mlir::Type t) { return rowShape(space, shapeOf(t)); };

  // Phases, and which full values must outlive their phase.
  RowPhases plan = rowPhases(fusion);
  auto& info = plan.info;
  const int phases = plan.phases;
  auto yield = llvm::cast<ir::YieldOp>(body.getTerminator());
  // A full value read in a later phase than its own needs a buffer. Kept in body order, so
  // that the buffers (and the IR) are the same on every run.
  llvm::SetVector<mlir::Value> buffered;
  for (mlir::Operation& op : body.without_terminator())
    for (mlir::Value v : op.getOperands()) {
      const RowValue& r = info.lookup(v);
      if (r.full && !llvm::isa<mlir::BlockArgument>(v) &&
          info.lookup(op.getResult(0)).phase > r.phase &&
          !(isReduction(&op) && info.lookup(op.getResult(0)).phase == r.phase + 1))
        buffered.insert(v);
    }

  mlir::OpBuilder b(ctx);
  mlir::Block* entry = createKernel(b, module, fusion, name, layout);
  const mlir::Location loc = fusion.getLoc();
  const size_t num_inputs = fusion.getInputs().size();
  auto index = [&](int64_t v) {
    return b.create<mlir::arith::ConstantIndexOp>(loc, v).getResult();
  };
  mlir::Value c0 = index(0), c1 = index(1), cD = index(D);
  // Each phase walks the row `lanes` elements at a time, masked at the row's end.
  // Two registers' worth of lanes: each reduction has two independent accumulator chains.
  const int64_t lanes = kernelLanes(fusion, D, 1024);
  mlir::Value cLanes = index(lanes);
  auto vectorOf = [&](mlir::Type element) { return mlir::VectorType::get({lanes}, element); };
  auto reassoc = mlir::arith::FastMathFlagsAttr::get(ctx, mlir::arith::FastMathFlags::reassoc);
  mlir::Value rows = b.create<mlir::memref::DimOp>(loc, entry->getArgument(num_inputs), c0);

  llvm::DenseMap<mlir::Value, mlir::Value> memory;  // a value's buffer (full) or memref (input)
  for (size_t i = 0; i < num_inputs; ++i) memory[body.getArgument(i)] = entry->getArgument(i);
  for (mlir::Value v : buffered) {
    auto element = memoryElement(llvm::cast<mlir::ShapedType>(v.getType()).getElementType());
    memory[v] = b.create<mlir::memref::AllocaOp>(loc, mlir::MemRefType::get({D}, element));
  }
  // Yielded values: their output memref.
  llvm::DenseMap<mlir::Value, mlir::Value> output;
  for (auto [i, v] : llvm::enumerate(yield.getValues()))
    output[v] = entry->getArgument(num_inputs + i);

  auto elementOf = [](mlir::Value v) {
    return llvm::cast<mlir::ShapedType>(v.getType()).getElementType();
  };
  bool failed = false;

  // The next row's full-width inputs and outputs, requested while this row computes
  // (phase 1, after the first pass has read it): a row's phases are compute-bound, and
  // the hardware prefetcher does not run a whole row ahead. One prefetch per cache line.
  llvm::SmallVector<mlir::Value> next_row_memrefs;
  for (size_t i = 0; i < num_inputs; ++i)
    if (layout.inputs[i] == layout.space) next_row_memrefs.push_back(entry->getArgument(i));
  for (size_t o = 0; o < layout.outputs.size(); ++o)
    if (layout.outputs[o] == layout.space)
      next_row_memrefs.push_back(entry->getArgument(num_inputs + o));
  auto prefetchNextRow = [&](mlir::OpBuilder& pb, mlir::Value r, mlir::Value j) {
    mlir::Value last = pb.create<mlir::arith::SubIOp>(loc, rows, c1);
    mlir::Value next =
        pb.create<mlir::arith::MinUIOp>(loc, pb.create<mlir::arith::AddIOp>(loc, r, c1), last);
    mlir::Value last_column = index(std::max<int64_t>(D - 1, 0));
    for (mlir::Value memref : next_row_memrefs) {
      const bool is_output = llvm::cast<mlir::BlockArgument>(memref).getArgNumber() >= num_inputs;
      const int64_t element_bytes = std::max<unsigned>(
          1, llvm::cast<mlir::MemRefType>(memref.getType()).getElementTypeBitWidth() / 8);
      for (int64_t off = 0; off < lanes; off += std::max<int64_t>(1, 64 / element_bytes)) {
        mlir::Value column = pb.create<mlir::arith::MinUIOp>(
            loc, pb.create<mlir::arith::AddIOp>(loc, j, index(off)), last_column);
        pb.create<mlir::memref::PrefetchOp>(loc, memref, mlir::ValueRange{next, column},
                                            /*isWrite=*/is_output, /*localityHint=*/3,
                                            /*isDataCache=*/true);
      }
    }
  };

  b.create<mlir::scf::ForOp>(
      loc, c0, rows, c1, mlir::ValueRange{},
      [&](mlir::OpBuilder& rb, mlir::Location, mlir::Value r, mlir::ValueRange) {
        llvm::DenseMap<mlir::Value, mlir::Value> scalar;  // per-row scalars, valid in the row body
        // Per-row and per-kernel inputs, and splat constants.
        for (size_t i = 0; i < num_inputs; ++i) {
          mlir::Value a = body.getArgument(i);
          if (info[a].full) continue;
          auto shape = collapsed(a.getType());
          mlir::Value row = shape[0] == 1 ? c0 : r;
          scalar[a] = fromMemory(rb, loc,
                                 rb.create<mlir::memref::LoadOp>(loc, entry->getArgument(i),
                                                                 mlir::ValueRange{row, c0}),
                                 elementOf(a));
        }
        auto emitScalarOps = [&](mlir::OpBuilder& sb, int ready) {
          failed |=
              !emitRowScalars(sb, fusion, plan, ready, scalar, [&](mlir::Value v, mlir::Value res) {
                if (auto out = output.lookup(v))
                  sb.create<mlir::memref::StoreOp>(loc, toMemory(sb, loc, res), out,
                                                   mlir::ValueRange{r, c0});
              });
        };
        for (int k = 0; k < phases; ++k) {
          emitScalarOps(rb, k);
          // The reductions of this phase: one vector accumulator each, from the identity.
          llvm::SmallVector<mlir::Operation*> reductions;
          llvm::SmallVector<mlir::Value> init, identity;
          for (mlir::Operation& op : body.without_terminator())
            if (isReduction(&op) && info[op.getResult(0)].phase == k + 1) {
              reductions.push_back(&op);
              mlir::Type t = elementOf(op.getResult(0));
              identity.push_back(rb.create<mlir::arith::ConstantOp>(
                  loc, mlir::SplatElementsAttr::get(vectorOf(t),
                                                    rb.getFloatAttr(t, reductionIdentity(&op)))));
              init.push_back(identity.back());
            }
          auto loop = rb.create<mlir::scf::ForOp>(
              loc, c0, cD, cLanes, init,
              [&](mlir::OpBuilder& jb, mlir::Location, mlir::Value j, mlir::ValueRange acc) {
                mlir::Value mask = stepMask(jb, loc, lanes, cD, j);
                llvm::DenseMap<mlir::Value, mlir::Value> here;  // values of this phase, at j
                auto read = [&](mlir::Value v) -> mlir::Value {
                  if (auto it = here.find(v); it != here.end()) return it->second;
                  mlir::Value vec;
                  if (!info[v].full) {  // a per-row scalar, the same in every lane
                    mlir::Value s = scalar.lookup(v);
                    vec = jb.create<mlir::vector::BroadcastOp>(loc, vectorOf(s.getType()), s);
                  } else {
                    mlir::Value mem = memory.lookup(v);
                    llvm::SmallVector<mlir::Value> at{j};
                    if (llvm::isa<mlir::BlockArgument>(v))
                      at.insert(at.begin(), collapsed(v.getType())[0] == 1 ? c0 : r);
                    mlir::Type stored = memoryElement(elementOf(v));
                    vec = fromMemory(jb, loc, loadLanes(jb, loc, vectorOf(stored), mem, at, mask),
                                     elementOf(v));
                  }
                  here[v] = vec;
                  return vec;
                };
                if (k == 1) prefetchNextRow(jb, r, j);
                llvm::SmallVector<mlir::Value> next(acc.begin(), acc.end());
                for (mlir::Operation& op : body.without_terminator()) {
                  const bool is_reduction = isReduction(&op);
                  if (is_reduction) {
                    auto at = llvm::find(reductions, &op);
                    if (at == reductions.end()) continue;
                    size_t slot = at - reductions.begin();
                    // Lanes past the row's end contribute the identity.
                    mlir::Value x = read(op.getOperand(0));
                    if (mask) x = jb.create<mlir::arith::SelectOp>(loc, mask, x, identity[slot]);
                    next[slot] = combineReduction(jb, loc, &op, next[slot], x, reassoc.getValue());
                    continue;
                  }
                  const RowValue& ri = info[op.getResult(0)];
                  if (!ri.full || ri.phase != k) continue;
                  mlir::Value res;
                  if (llvm::isa<ir::DivideOp>(op) && !info[op.getOperand(1)].full &&
                      llvm::isa<mlir::FloatType>(elementOf(op.getResult(0)))) {
                    // A row divided by a per-row value: one reciprocal per row (LLVM hoists it)
                    // and a multiply per element, as the eager softmax does.
                    mlir::Value d = scalar.lookup(op.getOperand(1));
                    mlir::Value one =
                        jb.create<mlir::arith::ConstantOp>(loc, jb.getFloatAttr(d.getType(), 1.0));
                    mlir::Value inverse = jb.create<mlir::vector::BroadcastOp>(
                        loc, vectorOf(d.getType()), jb.create<mlir::arith::DivFOp>(loc, one, d));
                    res = jb.create<mlir::arith::MulFOp>(loc, read(op.getOperand(0)), inverse);
                  } else {
                    llvm::SmallVector<mlir::Value> args;
                    for (mlir::Value v : op.getOperands()) args.push_back(read(v));
                    res = emitScalar(jb, op, args);
                    if (res && !llvm::isa<mlir::VectorType>(res.getType()))  // a splat constant
                      res = jb.create<mlir::vector::BroadcastOp>(loc, vectorOf(res.getType()), res);
                  }
                  if (!res) {
                    failed = true;
                    continue;
                  }
                  here[op.getResult(0)] = res;
                  if (buffered.contains(op.getResult(0)))
                    storeLanes(jb, loc, toMemory(jb, loc, res), memory.lookup(op.getResult(0)),
                               mlir::ValueRange{j}, mask);
                  if (auto out = output.lookup(op.getResult(0)))
                    storeLanes(jb, loc, toMemory(jb, loc, res), out, mlir::ValueRange{r, j}, mask);
                }
                jb.create<mlir::scf::YieldOp>(loc, next);
              });
          // The accumulators' lanes combined: the row's reductions.
          llvm::SmallVector<mlir::Value> reduced;
          for (auto [i, op] : llvm::enumerate(reductions)) {
            using Kind = mlir::vector::CombiningKind;
            const Kind kind = llvm::isa<ir::MaxOp>(op)   ? Kind::MAXIMUMF
                              : llvm::isa<ir::MinOp>(op) ? Kind::MINIMUMF
                                                         : Kind::ADD;
            reduced.push_back(rb.create<mlir::vector::ReductionOp>(
                loc, kind, loop.getResult(i), mlir::Value(), reassoc.getValue()));
          }
          for (auto [i, op] : llvm::enumerate(reductions)) {
            mlir::Value v = reduced[i];
            if (llvm::isa<ir::MeanOp>(op))
              v = rb.create<mlir::arith::DivFOp>(
                  loc, v,
                  rb.create<mlir::arith::ConstantOp>(
                      loc, rb.getFloatAttr(v.getType(), static_cast<double>(D))));
            scalar[op->getResult(0)] = v;
            if (auto out = output.lookup(op->getResult(0)))
              rb.create<mlir::memref::StoreOp>(loc, v, out, mlir::ValueRange{r, c0});
          }
        }
        emitScalarOps(rb, phases);
        rb.create<mlir::scf::YieldOp>(loc);
      });
  b.create<mlir::func::ReturnOp>(loc);
  if (failed) return mlir::failure();
  fusion.setKernelAttr(mlir::FlatSymbolRefAttr::get(ctx, name));
  return mlir::success();
}

struct OutlineFusions : impl::OutlineFusionsBase<OutlineFusions> {
  void runOnOperation() override {
    mlir::ModuleOp module = getOperation();
    auto work = fusionsToOutline(module, "k", [](ir::FusionOp) { return true; });
    for (auto& [f, name] : work) {
      auto done = f.getKind() == "rows" ? outlineRows(f, module, name) : outline(f, module, name);
      if (mlir::failed(done)) return signalPassFailure();
    }
    declareLibraryCalls(module, /*libdevice=*/false);
  }
};

}  // namespace
}  // namespace kiln::passes
