// The CUDA-graph run mode of an Executable (runtime/executable.h): a launch-bound plan on a
// CUDA device runs plainly at its first call (its launches counted), is captured into a
// CUDA graph at its second if that gains, and is replayed from then on: the arguments are
// copied into the graph's own buffers, the graph is launched, and the results are copied
// out (callers own them). As torch.compile's "reduce-overhead" mode and tf.function on GPU.
// KILN_CUDA_GRAPHS=0 turns it off.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "kiln/tensor.h"

namespace kiln::runtime {

class CudaGraph;
class Executable;

class GraphReplay {
 public:
  GraphReplay();
  ~GraphReplay();
  GraphReplay(const GraphReplay&) = delete;
  GraphReplay& operator=(const GraphReplay&) = delete;

  /// One run of `plan` with `inputs` (the first `num_args` are the call's arguments, the
  /// rest captured constants, which never change) on `device`.
  std::vector<Tensor> run(const Executable& plan, const std::vector<Tensor>& inputs,
                          size_t num_args, Device device);

 private:
  std::mutex mutex_;
  bool measured_ = false;                 // the first run counted the plan's launches
  bool off_ = false;                      // not worth it, or the driver refused the capture
  std::vector<Tensor> inputs_, outputs_;  // the graph's own argument and result buffers
  std::unique_ptr<CudaGraph> graph_;
};

}  // namespace kiln::runtime
