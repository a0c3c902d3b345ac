#include "compiler/pipeline/gpu_fusion_call.h"

#include "kiln/error.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

/// One memref descriptor's fields over contiguous storage of collapsed shape `shape`.
void add_descriptor(std::vector<uint64_t>& params, const void* data,
                    const std::vector<int64_t>& shape) {
  const auto address = reinterpret_cast<uint64_t>(data);
  params.push_back(address);  // allocated
  params.push_back(address);  // aligned
  params.push_back(0);        // offset
  for (int64_t d : shape) params.push_back(static_cast<uint64_t>(d));
  int64_t stride = 1;
  std::vector<uint64_t> strides(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = static_cast<uint64_t>(stride);
    stride *= shape[i];
  }
  params.insert(params.end(), strides.begin(), strides.end());
}

}  // namespace

runtime::CudaModule& GpuModule::on(runtime::CudaDevice& device) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!loaded) loaded = std::make_unique<runtime::CudaModule>(device, ptx->c_str());
  return *loaded;
}

GpuLaunch gpu_launch(const GpuFusionCall& call, const std::vector<const void*>& buffers) {
  GpuLaunch launch;
  const size_t inputs = call.input_shapes.size();
  if (buffers.size() != inputs + call.output_layouts.size())
    throw Error("[plan] internal error: a CUDA fusion got " + std::to_string(buffers.size()) +
                " buffers for " + std::to_string(inputs + call.output_layouts.size()) +
                " arguments");
  for (size_t i = 0; i < buffers.size(); ++i)
    add_descriptor(launch.params, buffers[i],
                   i < inputs ? call.input_shapes[i] : call.output_layouts[i - inputs]);
  int64_t elements = 1;
  for (int64_t d : call.space) elements *= d;
  launch.empty = elements == 0;
  launch.shape.block_x = kGpuBlockThreads;
  const int64_t blocks =
      call.rows ? call.space[0] : (elements + kGpuBlockThreads - 1) / kGpuBlockThreads;
  if (blocks > 0x7fffffff)
    throw Error("[plan] a CUDA fusion over " + std::to_string(elements) + " elements is too large");
  launch.shape.grid_x = static_cast<unsigned>(std::max<int64_t>(blocks, 1));
  return launch;
}

std::vector<Tensor> run_gpu_fusion(const GpuFusionCall& call, const std::vector<Tensor>& inputs,
                                   Device device) {
  std::vector<Tensor> outputs;
  outputs.reserve(call.output_dtypes.size());
  for (size_t k = 0; k < call.output_dtypes.size(); ++k)
    outputs.push_back(empty(call.output_dtypes[k], call.output_shapes[k], device));
  std::vector<const void*> buffers;
  for (const Tensor& t : inputs) {
    if (t.device() != device)
      throw Error("[function] a fused kernel on " + to_string(device) + " got an operand on " +
                  to_string(t.device()) + " (a variable or capture not moved to the device?)");
    buffers.push_back(t.impl()->data());
  }
  for (const Tensor& t : outputs) buffers.push_back(t.impl()->data());
  GpuLaunch launch = gpu_launch(call, buffers);
  if (launch.empty) return outputs;
  auto& cuda = runtime::CudaDevice::get(device);
  void* fn = call.function.load(std::memory_order_acquire);
  if (fn == nullptr) {
    fn = call.module->on(cuda).function(call.kernel.c_str());
    call.function.store(fn, std::memory_order_release);
  }
  std::vector<void*> params(launch.params.size());
  for (size_t i = 0; i < params.size(); ++i) params[i] = &launch.params[i];
  cuda.launch(fn, launch.shape, params.data());
  return outputs;
}

}  // namespace kiln::detail
