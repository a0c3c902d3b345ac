#include "compiler/pipeline/codegen.h"

#include "compiler/pipeline/gpu_codegen.h"
#include "runtime/cuda_device.h"

namespace kiln::detail {

CodegenResult codegen(Graph& graph, Device device, const CodegenOptions& options, bool texts) {
  CodegenResult result;
  if (device.kind == Device::cuda) {
    const std::string chip = cuda_chip(runtime::CudaDevice::get(device).compute_capability());
    CudaJitResult jit = jit_compile_cuda(graph, chip, options);
    result.fused = std::move(jit.fused);
    result.lowered = result.llvm =
        "// kiln: this function runs on " + to_string(device) +
        "; its fused kernels are PTX (Stage::ptx), loaded by the CUDA driver\n";
    result.ptx = jit.ptx;
    result.kernels = cuda_kernel_set(std::move(jit.ptx));
    result.fuse_ms = jit.fuse_ms;
    result.codegen_ms = jit.codegen_ms;
    return result;
  }
  JitResult jit = jit_compile(graph, options, texts);
  result.fused = std::move(jit.fused);
  result.lowered = std::move(jit.lowered);
  result.llvm = std::move(jit.llvm);
  result.kernels = cpu_kernel_set(std::move(jit.kernels));
  result.objects = std::move(jit.objects);
  result.kernel_names = std::move(jit.kernel_names);
  result.fuse_ms = jit.fuse_ms;
  result.codegen_ms = jit.codegen_ms;
  return result;
}

}  // namespace kiln::detail
