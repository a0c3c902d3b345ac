// CUDA graphs: the launches of one run of a compiled function's plan, captured from the
// device's stream once and replayed as a single launch (what makes a cached call of a
// launch-bound function cheap, as torch.compile's "reduce-overhead" mode and
// tf.function on GPU do). The blocks the captured kernels use belong to the graph
// (a CapturePool) for its life.
#pragma once

#include <functional>
#include <memory>

#include "runtime/cuda_device.h"
#include "runtime/device_allocator.h"

namespace kiln::runtime {

class CudaGraph {
 public:
  /// Runs `body` with `device`'s stream captured and this thread's device allocations
  /// drawn into the graph's pool. Returns null, with nothing captured and the pool given
  /// back, when the driver refuses (work that cannot be captured, such as an allocation
  /// the cache could not serve or a copy to the host); the body's work is then not done.
  static std::unique_ptr<CudaGraph> capture(CudaDevice& device, const std::function<void()>& body);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  /// Queues every captured launch on the device's stream.
  void replay();

 private:
  CudaGraph(CudaDevice& device) : device_(device) {}
  CudaDevice& device_;
  void* graph_ = nullptr;
  void* exec_ = nullptr;
  CapturePool pool_;
};

}  // namespace kiln::runtime
