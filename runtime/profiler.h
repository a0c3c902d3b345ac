// The profiler's recording side (kiln::Profiler, KILN_PROFILE: include/kiln/profiler.h):
// events of eager ops (OpFrame), plan steps (Program::run) and compiled calls with their
// compile phases, kept per thread while recording is on. When it is off, an op or a step
// pays one relaxed atomic load.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln::runtime::profiler {

/// One timed thing, a complete event of Chrome's trace format.
struct Event {
  std::string name;      // the op ("matmul"), step ("fusion rows"), call ("call train_step")
  const char* category;  // "op", "step", "call", "compile"
  std::string where;     // the user's file:line, where known
  std::string detail;    // a call's cache hit or miss, a fusion's kernel, ...
  uint64_t start_ns = 0;
  uint64_t duration_ns = 0;
  uint64_t bytes = 0;   // read and written, where known (0: not known)
  uint32_t thread = 0;  // a small number per thread, in order of first event
};

namespace detail {
inline std::atomic<bool> recording{false};
}

/// Whether events are recorded now.
inline bool active() noexcept { return detail::recording.load(std::memory_order_relaxed); }

/// Starts recording (dropping earlier events); false if already recording.
bool start();
/// Stops recording; the events stay until the next start() or take().
void stop();
/// Every event recorded (all threads), in start order; they are kept.
std::vector<Event> events();
/// How many events are recorded (all threads), without copying them.
size_t event_count();

/// Nanoseconds of the steady clock.
uint64_t now_ns() noexcept;
/// Records `e` on this thread (its thread number is filled in).
void record(Event e);

/// While it lives, this thread records no op events: the ops a plan step runs or a trace
/// calls belong to that step or trace, which is recorded itself.
class QuietOps {
 public:
  QuietOps() noexcept { ++depth(); }
  ~QuietOps() { --depth(); }
  QuietOps(const QuietOps&) = delete;
  QuietOps& operator=(const QuietOps&) = delete;
  static bool quiet() noexcept { return depth() > 0; }

 private:
  static int& depth() noexcept {
    thread_local int d = 0;
    return d;
  }
};

}  // namespace kiln::runtime::profiler
