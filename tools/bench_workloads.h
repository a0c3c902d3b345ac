// kiln-bench: the workloads W0–W7 of WORKLOADS.md. A workload is mode- and
// device-independent: its inputs plus a body written once in kiln ops; make(device) puts
// an instance's inputs and state on a device, and bench_modes.h turns the body into an
// eager, graph or jit callable (compiled functions run on their arguments' device).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <kiln/kiln.h>

namespace kiln_bench {

using Body = std::function<std::vector<kiln::Tensor>(const std::vector<kiln::Tensor>&)>;

/// One fresh copy of a workload's data and computation.
struct Instance {
  std::vector<kiln::Tensor> inputs;
  Body body;
  /// {output, input}: after each call that output becomes that input for the next call
  /// (state a body returns rather than keeps in variables; W4 keeps its weights in variables).
  std::vector<std::pair<size_t, size_t>> carry;
};

enum class TimeUnit { us, ms };

struct Workload {
  std::string id;     // "W3"
  std::string title;  // "MLP inference 64x784, 784-512-512-10"
  TimeUnit unit = TimeUnit::ms;
  std::string unit_label;     // "µs", "µs/call", "ms"
  double bytes_per_call = 0;  // > 0: GB/s is reported
  double flops_per_call = 0;  // > 0: GFLOP/s is reported
  /// One fresh instance with its inputs and state (W4's variables) on `device`. Bodies
  /// create no tensors of their own (scalars only), so everything runs there.
  std::function<Instance(kiln::Device device)> make;
  /// Eager mode's check against a simple host reference: "" when the first call's
  /// outputs are right. Reads values through host copies, so that it works for tensors
  /// on any device.
  std::function<std::string(const std::vector<kiln::Tensor>& inputs,
                            const std::vector<kiln::Tensor>& outputs)>
      sanity;
  /// Tolerances when graph mode is compared with eager (the same kernels run, op by op).
  double rtol = 1e-4, atol = 1e-5;
  /// Tolerances when jit mode is compared with eager: |jit - eager| <= jit_atol +
  /// jit_rtol * |eager|. The JIT's fused kernels compute tanh, exp, erf and the like with
  /// their own f32 polynomials, a few ulp away from eager's, and may contract a*b+c into
  /// an FMA; 1e-5 relative (~80 ulp) plus 1e-6 absolute (for values near zero) covers that.
  double jit_rtol = 1e-5, jit_atol = 1e-6;
};

/// W0..W7 in order.
std::vector<Workload> all_workloads();

}  // namespace kiln_bench
