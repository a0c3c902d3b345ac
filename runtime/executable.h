// A compiled concrete function as the runtime runs it: an ordered plan of steps over value
// slots. Cached calls run this and touch no IR. The steps are built by compiler/ (kernels
// bound to each op, JIT-compiled fused kernels) and only captured here as callables.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kiln/tensor.h"
#include "runtime/graph_replay.h"
#include "runtime/profiler.h"

namespace kiln::runtime {

/// Work a step started and a later step of the same run waits for (a collective on the
/// communication thread).
struct PendingWork {
  virtual ~PendingWork() = default;
  /// Blocks until the work is done; rethrows its error.
  virtual void wait() = 0;
};

/// The values of one run: one slot per IR value.
struct Frame {
  std::vector<Tensor> slots;
  Device device;  // where the run's arguments live: its constants and kernels go there too
  // Started work by the plan's numbering, until the step that waits for it. A run that
  // fails between the two still waits here, so no work outlives its run.
  std::vector<std::unique_ptr<PendingWork>> pending;

  Frame() = default;
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  ~Frame() {
    for (auto& work : pending)
      if (work) try {
          work->wait();
        } catch (...) {  // the run's own error is the one that counts
        }
  }
};

struct Step {
  std::function<void(Frame&)> run;
  std::vector<int> release;  // slots whose last use is this step: freed right after it
  // What the profiler shows of the step: the op or fusion, the user's line it was traced
  // at, and the slots it reads and writes (their bytes are the bytes it moved).
  std::string name;
  std::string where;
  std::vector<int> reads, writes;
};

/// A straight-line list of steps (a region's body). Control-flow steps hold nested programs.
struct Program {
  std::vector<Step> steps;
  void run(Frame& frame) const {
    if (profiler::active()) [[unlikely]] {
      run_profiled(frame);
      return;
    }
    for (const Step& s : steps) {
      s.run(frame);
      for (int slot : s.release) frame.slots[slot] = Tensor();  // memory back to the cache
    }
  }
  /// run() while the profiler records: each step is a "step" event.
  void run_profiled(Frame& frame) const;
};

class Executable {
 public:
  int num_slots = 0;
  std::vector<int> inputs;   // slots of the graph's arguments, in order
  std::vector<int> outputs;  // slots of the results, in order
  Program program;
  // On a CUDA device, a run may be captured into a CUDA graph and replayed: no step reads
  // values on the host, touches variables or makes host values (see plan_builder.cpp).
  bool graph_safe = true;

  std::vector<Tensor> run(const std::vector<Tensor>& args) const {
    Frame frame;
    frame.slots.resize(num_slots);
    if (!args.empty()) frame.device = args.front().device();  // one device per call (checked)
    for (size_t i = 0; i < inputs.size(); ++i) frame.slots[inputs[i]] = args[i];
    program.run(frame);
    std::vector<Tensor> out;
    out.reserve(outputs.size());
    for (int s : outputs) out.push_back(frame.slots[s]);
    return out;
  }

  /// Runs in the executable's mode: plainly, or, with a CUDA-graph run mode (set by
  /// replay_as_cuda_graph on a graph-safe plan of a CUDA device), captured and replayed
  /// (runtime/graph_replay.h). `args` holds the call's `num_args` arguments first, then
  /// the captured tensors; the plan runs on `device`.
  std::vector<Tensor> call(const std::vector<Tensor>& args, size_t num_args, Device device) const {
    if (!replay_) return run(args);
    return replay_->run(*this, args, num_args, device);
  }
  /// Selects the CUDA-graph run mode.
  void replay_as_cuda_graph() { replay_ = std::make_unique<GraphReplay>(); }

 private:
  // The CUDA-graph run mode's state, if selected: its own buffers and graph (an
  // executable is moved, never copied).
  std::unique_ptr<GraphReplay> replay_;
};

}  // namespace kiln::runtime
