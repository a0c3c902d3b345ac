// The CPU JIT's kernels as the plan binds them: each kiln.fusion runs its native kernel over
// the fusion's collapsed layout, in parallel chunks; an output fusion runs the product by
// row blocks (OpenBLAS), each followed by its epilogue kernel while the rows are in cache.
#include <algorithm>
#include <memory>

#include "compiler/pipeline/fusion_call.h"
#include "compiler/pipeline/jit.h"
#include "compiler/pipeline/kernel_binding.h"
#include "compiler/pipeline/kernel_set.h"
#include "ir/TypeConversion.h"
#include "kernels/cpu/gemm.h"
#include "kiln/error.h"
#include "passes/FusionQueries.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

class CpuKernelSet : public KernelSet {
 public:
  explicit CpuKernelSet(std::shared_ptr<JitKernels> kernels) : kernels_(std::move(kernels)) {}

  /// A kiln.fusion: its JIT-compiled kernel over the fusion's collapsed layout.
  std::function<void(runtime::Frame&)> bind(ir::FusionOp fusion,
                                            const FusionSlots& slots) const override {
    if (!kernels_ || !fusion.getKernel())
      throw Error("[plan] internal error: a kiln.fusion without a compiled kernel");
    const std::vector<int>& in = slots.in;
    const std::vector<int>& out = slots.out;
    const std::string& where = slots.where;
    auto call = std::make_shared<FusionCall>();
    call->kernel = kernels_->address(fusion.getKernel()->str());
    describe_fusion(fusion, *call);  // what the kernel was built for
    // A parallel launch costs a few microseconds: chunks get about that much work.
    const int64_t cost = passes::bodyCost(fusion).total;
    call->grain = std::max<int64_t>(64, (96 * 1024) / std::max<int64_t>(1, cost));
    // Only a loop fusion reads each element before writing it at the same index; a row
    // kernel reads its inputs again in later phases, after it has stored results.
    const bool loop = fusion.getKind() != "rows";
    if (passes::outputProduct(fusion)) return output_step(fusion, call, slots);
    for (bool last : slots.last_use) call->donatable.push_back(loop && last);
    if (slots.unfused) return dynamic_step(fusion, call, slots);
    return [call, in, out, where](runtime::Frame& f) {
      std::vector<Tensor> args;
      args.reserve(in.size());
      for (size_t k = 0; k < in.size(); ++k)  // a dying value moves: its slot is freed next
        args.push_back(call->donatable[k] ? std::move(f.slots[in[k]]) : f.slots[in[k]]);
      std::vector<Tensor> results;
      with_location("fused kernel", where, [&] { results = run_fusion(*call, args); });
      for (size_t k = 0; k < out.size(); ++k) f.slots[out[k]] = std::move(results[k]);
    };
  }

  /// A loop fusion with dynamic dimensions: the sizes come from the inputs at each call
  /// (resolve_fusion); a call whose dynamic dimension broadcasts runs the body unfused.
  static std::function<void(runtime::Frame&)> dynamic_step(ir::FusionOp fusion,
                                                           std::shared_ptr<FusionCall> call,
                                                           const FusionSlots& slots) {
    if (fusion.getKind() != "loop")
      return [unfused = slots.unfused](runtime::Frame& f) { unfused->run(f); };
    call->dynamic = true;
    for (mlir::Value v : fusion.getInputs())
      call->input_types.push_back(ir::kiln_type(v.getType()).shape);
    call->result_type = ir::kiln_type(fusion.getResult(0).getType()).shape;
    return [call, in = slots.in, out = slots.out, where = slots.where,
            unfused = slots.unfused](runtime::Frame& f) {
      std::optional<FusionShapes> shapes = resolve_fusion(*call, f.slots, in);
      if (!shapes) return unfused->run(f);
      FusionCall sized = *call;
      static_cast<FusionShapes&>(sized) = std::move(*shapes);
      std::vector<Tensor> args;
      args.reserve(in.size());
      for (size_t k = 0; k < in.size(); ++k)
        args.push_back(sized.donatable[k] ? std::move(f.slots[in[k]]) : f.slots[in[k]]);
      std::vector<Tensor> results;
      with_location("fused kernel", where, [&] { results = run_fusion(sized, args); });
      for (size_t k = 0; k < out.size(); ++k) f.slots[out[k]] = std::move(results[k]);
    };
  }

  /// An output fusion: the product by blocks of rows, each followed by the epilogue
  /// kernel on its rows while they are in cache; the epilogue writes over the product
  /// where its result has the product's dtype.
  static std::function<void(runtime::Frame&)> output_step(ir::FusionOp fusion,
                                                          std::shared_ptr<FusionCall> call,
                                                          const FusionSlots& slots) {
    const std::vector<int>& in = slots.in;
    const std::vector<int>& out = slots.out;
    const std::string& where = slots.where;
    auto product = ir::kiln_type(passes::outputProduct(fusion)->getResult(0).getType());
    call->donatable.push_back(true);  // the product: made and dropped by this step
    for (size_t k = 2; k < slots.last_use.size(); ++k) call->donatable.push_back(slots.last_use[k]);
    const int64_t M = product.shape[0], N = product.shape[1];
    // Iterations of dimension 0 per row of the product (the layout may merge M and N).
    const int64_t per_row = M == 0 ? 0 : call->space[0] / M;
    // Blocks of about 4 MiB of product (fits in this machine's caches with room to
    // spare) but at least 256 rows: each block re-packs the right operand in OpenBLAS.
    const int64_t row_bytes =
        std::max<int64_t>(1, N * static_cast<int64_t>(dtype_size(product.dtype)));
    const int64_t block = std::max<int64_t>(256, (int64_t{4} << 20) / row_bytes);
    const bool ta = slots.transpose_lhs, tb = slots.transpose_rhs;
    return [call, in, out, where, product, M, per_row, block, ta, tb](runtime::Frame& f) {
      // The operands, held here: an epilogue input that is also an operand is then never
      // given to an output (a later block's product still reads it).
      const Tensor a = f.slots[in[0]];
      const Tensor b = f.slots[in[1]];
      std::vector<Tensor> args;
      args.reserve(in.size() - 1);
      args.push_back(empty(product.dtype, product.shape));
      for (size_t k = 2; k < in.size(); ++k)
        args.push_back(call->donatable[k - 1] ? std::move(f.slots[in[k]]) : f.slots[in[k]]);
      std::vector<Tensor> results;
      with_location("matmul", where, [&] {
        results = fusion_outputs(*call, args);
        for (int64_t r = 0; r < M; r += block) {
          const int64_t e = std::min(M, r + block);
          kernels::cpu::matmul_rows(a, b, args[0], r, e, ta, tb);
          run_fusion_range(*call, args, results, r * per_row, e * per_row);
        }
      });
      for (size_t k = 0; k < out.size(); ++k) f.slots[out[k]] = std::move(results[k]);
    };
  }

 private:
  std::shared_ptr<JitKernels> kernels_;
};

}  // namespace

std::shared_ptr<const KernelSet> cpu_kernel_set(std::shared_ptr<JitKernels> kernels) {
  return std::make_shared<CpuKernelSet>(std::move(kernels));
}

void describe_fusion(ir::FusionOp fusion, FusionShapes& shapes) {
  passes::KernelLayout layout = passes::kernelLayout(fusion);
  shapes.space = std::move(layout.space);
  shapes.input_shapes = std::move(layout.inputs);
  shapes.output_layouts = std::move(layout.outputs);
  for (mlir::Type t : fusion.getResultTypes()) {
    auto type = ir::kiln_type(t);
    shapes.output_dtypes.push_back(type.dtype);
    shapes.output_shapes.push_back(type.shape);
  }
}

}  // namespace kiln::detail
