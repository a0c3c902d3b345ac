/// \file
/// Where compiled functions and eager ops spend their time: kiln::Profiler records every
/// eager op, every executed plan step of compiled functions and every call (its cache hit or
/// miss, its compile phases) with the user's source line, thread, start, duration and bytes
/// moved, and writes them in the Chrome trace event format that Perfetto
/// (ui.perfetto.dev) and chrome://tracing open.
///
/// \code
/// {
///   kiln::Profiler profile("trace.json");
///   step(x, y);
/// }                                  // written here
/// std::cout << kiln::profile_summary();
/// \endcode
///
/// KILN_PROFILE=trace.json records a whole program (written at exit). Off, an op or a plan
/// step pays one relaxed atomic load.
#pragma once

#include <cstddef>
#include <string>

namespace kiln {

/// Records while it lives (one at a time per process). With a path, the trace is written
/// there when it stops; the events stay for profile_summary() until the next Profiler.
class Profiler {
 public:
  /// Starts recording. Throws kiln::Error if a Profiler (or KILN_PROFILE) already records.
  explicit Profiler(std::string trace_path = "");
  /// Stops; errors writing the trace go to stderr (a destructor cannot throw).
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  /// Stops recording and writes the trace if a path was given (kiln::Error if it cannot
  /// be written). Returns the number of events recorded. Later calls do nothing.
  size_t stop();

 private:
  std::string path_;
  bool running_ = true;
};

/// Writes the events recorded by the last (or current) Profiler to `path` as Chrome trace
/// JSON. Throws kiln::Error if the file cannot be written.
void write_profile_trace(const std::string& path);

/// The events recorded by the last (or current) Profiler as a table, one row per name
/// (op, step, call or compile phase) and category: count, total, mean and max time, bytes
/// moved — sorted by total time, largest first (as torch.profiler's key_averages().table()).
std::string profile_summary();

}  // namespace kiln
