// print, thread control and device moves.
#include <iostream>
#include <mutex>

#include "compiler/ops/op_support.h"
#include "compiler/trace/trace_api.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cuda/cublas.h"
#include "runtime/cuda_device.h"
#include "runtime/cuda_driver.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln {

void print(const Tensor& x, const std::string& label, Loc loc) {
  detail::CallSite site{"print", &loc};
  detail::check_operands(site, {&x});
  // Traced, print is an ordered effect of the graph: it prints at every call.
  if (detail::trace_op(site, "print", {&x}, {{"label", label}}, {}, /*effect=*/true)) return;
  std::string line = label.empty() ? x.str() : label + ": " + x.str();
  // One write per line, so concurrent prints never interleave within a line.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::cout << line << '\n' << std::flush;
}

void set_num_threads(int threads) {
  runtime::set_num_threads(threads);
  kernels::cpu::set_blas_threads(runtime::num_threads());
}

int num_threads() { return runtime::num_threads(); }

void synchronize(Device device) {
  if (device.kind == Device::cpu) return;
  runtime::CudaDevice::get(device).synchronize();
}

void set_allow_tf32(bool allow) { kernels::cuda::set_allow_tf32(allow); }
bool allow_tf32() { return kernels::cuda::allow_tf32(); }

Tensor Tensor::to(Device device) const {
  detail::CallSite site{"to"};
  detail::check_operands(site, {this});
  if (device == this->device()) return *this;
  if (impl()->symbolic())
    detail::throw_op_error(site,
                           "cannot move a traced tensor to " + to_string(device) +
                               " inside a compiled function: move the arguments before the call (the "
                               "function then runs on their device)",
                           {this});
  if (device.kind == Device::cuda)  // no GPU: the error says why
    if (std::string problem = runtime::cuda_device_problem(device); !problem.empty())
      detail::throw_op_error(site, problem, {this});
  Tensor out;
  detail::run_kernel(site, {this}, [&] { out = detail::to_device(*this, device); });
  return out;
}

}  // namespace kiln
