// A CUDA function's kernels as the plan binds them: each kiln.fusion launches its PTX
// kernel (the module loaded by the driver on first use per device); an output fusion's
// product runs first by cuBLAS into a buffer the epilogue kernel reads, or, when its
// epilogue is a bias (and relu), as one cuBLASLt call (passes::biasEpilogue).
#include <memory>
#include <optional>

#include "compiler/pipeline/gpu_fusion_call.h"
#include "compiler/pipeline/kernel_binding.h"
#include "compiler/pipeline/kernel_set.h"
#include "ir/TypeConversion.h"
#include "kernels/cuda/cublaslt.h"
#include "kernels/gemm.h"
#include "kiln/error.h"
#include "passes/FusionQueries.h"
#include "runtime/cuda_device.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

class CudaKernelSet : public KernelSet {
 public:
  explicit CudaKernelSet(std::shared_ptr<const std::string> ptx)
      : module_(std::make_shared<GpuModule>()) {
    module_->ptx = std::move(ptx);
  }

  /// A kiln.fusion of a function on a CUDA device: its PTX kernel; an output fusion's
  /// product first, by cuBLAS, into a buffer the epilogue kernel reads.
  std::function<void(runtime::Frame&)> bind(ir::FusionOp fusion,
                                            const FusionSlots& slots) const override {
    const std::vector<int>& in = slots.in;
    const std::vector<int>& out = slots.out;
    const std::string& where = slots.where;
    if (slots.unfused)  // dynamic dimensions: no PTX kernel yet (passes/OutlineGpuKernels.cpp)
      return [unfused = slots.unfused](runtime::Frame& f) { unfused->run(f); };
    if (!fusion.getKernel())
      throw Error("[plan] internal error: a kiln.fusion without a CUDA kernel (at " + where + ")");
    auto call = std::make_shared<GpuFusionCall>();
    call->module = module_;
    call->kernel = fusion.getKernel()->str();
    call->rows = fusion.getKind() == "rows";
    describe_fusion(fusion, *call);
    std::optional<rules::TensorType> product;
    if (mlir::Operation* p = passes::outputProduct(fusion))
      product = ir::kiln_type(p->getResult(0).getType());
    const std::optional<passes::BiasEpilogue> bias = passes::biasEpilogue(fusion);
    return [call, in, out, where, product, bias](runtime::Frame& f) {
      std::vector<Tensor> args;
      args.reserve(in.size());
      with_location("matmul", where, [&] {
        if (bias) {  // cuBLASLt: the product with its bias (+ ReLU) in one call
          const Tensor& a = f.slots[in[0]];
          const Tensor& b = f.slots[in[1]];
          Tensor c = empty(product->dtype, product->shape, f.device);
          if (kernels::cuda::matmul_bias(
                  runtime::CudaDevice::get(f.device), product->dtype, product->shape[0],
                  product->shape[1], a.shape()[1], a.impl()->data(), b.impl()->data(),
                  f.slots[in[bias->input]].impl()->data(), bias->relu, c.impl()->data())) {
            f.slots[out[0]] = std::move(c);
            return;
          }
        }
        size_t first = 0;
        if (product) {
          Tensor c = empty(product->dtype, product->shape, f.device);
          kernels::matmul(f.slots[in[0]], f.slots[in[1]], c);
          args.push_back(std::move(c));
          first = 2;
        }
        for (size_t k = first; k < in.size(); ++k) args.push_back(f.slots[in[k]]);
        std::vector<Tensor> results = run_gpu_fusion(*call, args, f.device);
        for (size_t k = 0; k < out.size(); ++k) f.slots[out[k]] = std::move(results[k]);
      });
    };
  }

 private:
  std::shared_ptr<GpuModule> module_;
};

}  // namespace

std::shared_ptr<const KernelSet> cuda_kernel_set(std::shared_ptr<const std::string> ptx) {
  return std::make_shared<CudaKernelSet>(std::move(ptx));
}

}  // namespace kiln::detail
