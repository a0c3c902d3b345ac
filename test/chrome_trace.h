// A Chrome trace file (kiln::Profiler's output) read back by a JSON parser (llvm::json,
// test/chrome_trace.cpp: its own library, so the tests' compile lines carry no LLVM flags).
#pragma once

#include <string>
#include <vector>

namespace kiln::test {

struct TraceEvent {
  std::string name, category, phase, where, detail;
  double ts = 0, dur = 0;  // microseconds
  long long tid = -1, bytes = 0;
};

/// The file's "traceEvents" (metadata events, phase "M", included). Throws
/// std::runtime_error if the file does not parse as JSON or an event lacks a field.
std::vector<TraceEvent> read_chrome_trace(const std::string& path);

}  // namespace kiln::test
