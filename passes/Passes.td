// kiln's passes. Each is registered with kiln-opt (tools/kiln_opt.cpp) and used by the
// compile pipeline (compiler/jit_compile.cpp).
#ifndef KILN_PASSES_TD
#define KILN_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeComposites : Pass<"kiln-decompose-composites", "mlir::func::FuncOp"> {
  let summary = "Writes softmax, log_softmax and layer_norm over the last axis as primitives";
  let description = [{
    Reductions over the last axis (keepdims) and elementwise ops, so that row fusion
    (kiln-fuse-rows) can compile a chain of them, and the elementwise work around them,
    into one pass over each row. Other axes keep the composite op and its runtime kernel.
  }];
  let dependentDialects = ["::kiln::ir::KilnDialect"];
}

def FuseRows : Pass<"kiln-fuse-rows", "mlir::func::FuncOp"> {
  let summary = "Input fusion: reductions over the last axis with their elementwise users";
  let description = [{
    Starting at a reduction (sum, mean, max, min; floating, last axis, keepdims) of a
    value of shape S = (..., D), gathers the elementwise ops that follow on values of
    shape S or (..., 1) into one `kiln.fusion "rows"`. Its kernel walks each row once per
    reduction that the next values depend on, keeping the row in cache, so a softmax or
    layer_norm reads its input from memory once. Operands must be full (S), per row
    (..., 1), per column (D) or scalars.
  }];
  let dependentDialects = ["::kiln::ir::KilnDialect"];
}

def FuseElementwise : Pass<"kiln-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Groups elementwise ops into kiln.fusion regions (loop fusion)";
  let description = [{
    Chains and DAGs of elementwise ops (with NumPy broadcasting of their operands) whose
    results share one shape become one `kiln.fusion "loop"`: one loop nest reads the
    fusion's inputs once and writes the values used outside (several results where more
    than one escapes). An op joins a fusion only if every op it has a scalar lowering for
    (passes/ScalarLowering.h) and no user outside the fusion would then need a value before
    the fusion runs. Side effects, matmuls, reductions and region ops stay outside.
  }];
  let dependentDialects = ["::kiln::ir::KilnDialect"];
}

def FuseOutputs : Pass<"kiln-fuse-outputs", "mlir::func::FuncOp"> {
  let summary = "Output fusion: a matmul joins the loop fusion that is its only user";
  let description = [{
    A 2-D f32/f64 `kiln.matmul` whose result is used only by a `kiln.fusion "loop"` of the
    same shape (bias add, activation, ...) moves into that fusion, which becomes kind
    "output": inputs (lhs, rhs, the epilogue's other inputs), the matmul first in the
    body. The runtime computes the product by blocks of rows and applies the outlined
    epilogue kernel to each block in place while it is in cache.
  }];
  let dependentDialects = ["::kiln::ir::KilnDialect"];
}

def OutlineFusions : Pass<"kiln-outline-fusions", "mlir::ModuleOp"> {
  let summary = "Turns each kiln.fusion into a kernel function on memrefs";
  let description = [{
    For every `kiln.fusion` adds `func.func @<fn>_k<i>` to the module. A "loop" fusion
    becomes a loop nest over its iteration space (adjacent dimensions that every operand
    treats alike are collapsed; the outermost one is dynamic so the runtime can hand each
    thread a range of it) whose innermost loop runs the ops' lowerings on vectors, with
    masked loads and stores for the tail. A "rows" fusion becomes a row loop with one
    pass over the row per reduction level. The fusion gets a `kernel` attribute naming
    the function. Kernels carry `llvm.emit_c_interface`.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::func::FuncDialect", "::mlir::scf::SCFDialect"];
}

def OutlineGpuKernels : Pass<"kiln-outline-gpu-kernels", "mlir::ModuleOp"> {
  let summary = "Turns each loop fusion (and output epilogue) into a CUDA kernel (gpu.func)";
  let description = [{
    Adds `gpu.module @kiln_gpu` holding, for every `kiln.fusion` of kind "loop" or
    "output" (its epilogue), `gpu.func @<fn>_g<i> kernel`: one thread per element of the
    collapsed iteration space (block id * block size + thread id, bounds-checked), the
    body the ops' scalar lowerings. Arguments as the CPU kernels': one memref per input,
    then per result. The fusion's `kernel` attribute names it. "rows" fusions are left.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def LowerGpuAllReduce : Pass<"kiln-lower-gpu-all-reduce", "mlir::gpu::GPUModuleOp"> {
  let summary = "Expands gpu.all_reduce (row kernels' block reductions) into shuffles and shared memory";
  let description = [{
    MLIR's own rewrite (warp shuffles, a workgroup buffer, barriers), run inside the
    gpu.module after convert-scf-to-cf (it splits blocks) and before convert-gpu-to-nvvm,
    which does not lower gpu.all_reduce itself.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect", "::mlir::memref::MemRefDialect"];
}

def BucketCollectives : Pass<"kiln-bucket-collectives", "mlir::func::FuncOp"> {
  let summary = "Packs adjacent all-reductions that allow it into buckets: one collective each";
  let description = [{
    A run of adjacent `kiln.all_reduce` ops with `bucket_bytes` set, of one dtype, reduce,
    group and bucket size and static shapes (what all_reduce_gradients traces), none
    reading another's result, is ordered by when its operands are made (the gradients of
    the last layers first, as PyTorch DDP orders its buckets) and cut greedily into
    buckets of at most `bucket_bytes` (a larger tensor goes alone). Each bucket of two or
    more becomes one all-reduce of the members flattened and concatenated (packed right
    after its last member is made, so that the plan can start the reduction there), sliced
    back into their shapes. The reductions stay where the run was, in bucket order: every
    rank traces the same graph, so every rank makes the same buckets in the same order.
  }];
  let dependentDialects = ["::kiln::ir::KilnDialect"];
}

#endif  // KILN_PASSES_TD
