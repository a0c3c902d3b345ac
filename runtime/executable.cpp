#include "runtime/executable.h"

namespace kiln::runtime {

void Program::run_profiled(Frame& frame) const {
  for (const Step& s : steps) {
    const uint64_t start = profiler::now_ns();
    {
      profiler::QuietOps quiet;  // the ops a step runs for dynamic shapes are the step's
      s.run(frame);
    }
    const uint64_t end = profiler::now_ns();
    uint64_t bytes = 0;
    for (const std::vector<int>* slots : {&s.reads, &s.writes})
      for (int slot : *slots)
        if (const Tensor& t = frame.slots[slot]; t.defined())
          bytes += static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    profiler::record(
        {s.name.empty() ? "step" : s.name, "step", s.where, "", start, end - start, bytes, 0});
    for (int slot : s.release) frame.slots[slot] = Tensor();
  }
}

}  // namespace kiln::runtime
