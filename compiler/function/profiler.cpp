// kiln::Profiler's API (include/kiln/profiler.h): the recording itself is the runtime's
// (runtime/profiler.h); here the Chrome trace file, the summary table and KILN_PROFILE.
#include "kiln/profiler.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <tuple>
#include <vector>

#include "kiln/error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/profiler.h"

namespace kiln {
namespace {

namespace rp = runtime::profiler;

llvm::json::Value text(const std::string& s) {
  if (!llvm::json::isUTF8(s)) return llvm::json::fixUTF8(s);
  return s;
}

// KILN_PROFILE=<path>: whether this process records from its start, and where to.
std::string& environment_path() {
  static std::string path;
  return path;
}

}  // namespace

Profiler::Profiler(std::string trace_path) : path_(std::move(trace_path)) {
  if (!rp::start())
    throw Error(
        "[Profiler] a profiler is already recording (another kiln::Profiler, or " +
        std::string(environment_path().empty() ? "" : "KILN_PROFILE=" + environment_path()) +
        "): one records at a time");
}

Profiler::~Profiler() {
  try {
    stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: %s\n", e.what());
  }
}

size_t Profiler::stop() {
  if (!running_) return 0;
  running_ = false;
  rp::stop();
  if (!path_.empty()) write_profile_trace(path_);
  return rp::event_count();
}

void write_profile_trace(const std::string& path) {
  std::vector<rp::Event> events = rp::events();
  const uint64_t origin = events.empty() ? 0 : events.front().start_ns;
  const int64_t pid = ::getpid();
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::json::OStream j(os);
  uint32_t threads = 0;
  for (const rp::Event& e : events) threads = std::max(threads, e.thread + 1);
  j.object([&] {
    j.attribute("displayTimeUnit", "ns");
    j.attributeArray("traceEvents", [&] {
      j.object([&] {
        j.attribute("name", "process_name");
        j.attribute("ph", "M");
        j.attribute("pid", pid);
        j.attributeObject("args", [&] { j.attribute("name", "kiln"); });
      });
      for (uint32_t t = 0; t < threads; ++t)
        j.object([&] {
          j.attribute("name", "thread_name");
          j.attribute("ph", "M");
          j.attribute("pid", pid);
          j.attribute("tid", static_cast<int64_t>(t));
          j.attributeObject("args",
                            [&] { j.attribute("name", "kiln thread " + std::to_string(t)); });
        });
      for (const rp::Event& e : events)
        j.object([&] {
          j.attribute("name", text(e.name));
          j.attribute("cat", e.category);
          j.attribute("ph", "X");  // a complete event: start and duration
          j.attribute("ts", static_cast<double>(e.start_ns - origin) / 1e3);  // microseconds
          j.attribute("dur", static_cast<double>(e.duration_ns) / 1e3);
          j.attribute("pid", pid);
          j.attribute("tid", static_cast<int64_t>(e.thread));
          j.attributeObject("args", [&] {
            if (!e.where.empty()) j.attribute("where", text(e.where));
            if (!e.detail.empty()) j.attribute("detail", text(e.detail));
            if (e.bytes != 0) j.attribute("bytes", static_cast<int64_t>(e.bytes));
          });
        });
    });
  });
  os << "\n";
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << out;
  file.close();
  if (!file) throw Error("[Profiler] cannot write the trace to '" + path + "'");
}

std::string profile_summary() {
  struct Row {
    std::string name, category, where;
    uint64_t count = 0, total = 0, max = 0, bytes = 0;
  };
  std::map<std::pair<std::string, std::string>, Row> rows;
  for (const rp::Event& e : rp::events()) {
    Row& r = rows[{e.category, e.name}];
    if (r.count == 0) {
      r.name = e.name;
      r.category = e.category;
      r.where = e.where;
    }
    ++r.count;
    r.total += e.duration_ns;
    r.max = std::max(r.max, e.duration_ns);
    r.bytes += e.bytes;
  }
  std::vector<Row> sorted;
  for (auto& [key, row] : rows) sorted.push_back(std::move(row));
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Row& a, const Row& b) { return a.total > b.total; });
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %-8s %8s %12s %12s %12s %12s  %s\n", "name", "kind",
                "count", "total ms", "mean us", "max us", "MB moved", "first at");
  out += line;
  out += std::string(130, '-') + "\n";
  for (const Row& r : sorted) {
    std::string name = r.name.size() > 40 ? r.name.substr(0, 37) + "..." : r.name;
    std::snprintf(line, sizeof line, "%-40s %-8s %8llu %12.3f %12.2f %12.2f %12.3f  %s\n",
                  name.c_str(), r.category.c_str(), static_cast<unsigned long long>(r.count),
                  static_cast<double>(r.total) / 1e6,
                  static_cast<double>(r.total) / 1e3 / static_cast<double>(r.count),
                  static_cast<double>(r.max) / 1e3, static_cast<double>(r.bytes) / 1e6,
                  r.where.c_str());
    out += line;
  }
  out += "(a call's time includes its steps' and its compile phases')\n";
  return out;
}

namespace detail {

/// KILN_PROFILE=<path>: records from here (a static initializer of the ops' support, so
/// every program that runs an op sees it) and writes the trace at exit.
bool profile_from_environment() {
  const char* path = std::getenv("KILN_PROFILE");
  if (path == nullptr || *path == '\0' || !rp::start()) return false;
  environment_path() = path;
  std::atexit([] {
    rp::stop();
    try {
      write_profile_trace(environment_path());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kiln: KILN_PROFILE: %s\n", e.what());
    }
  });
  return true;
}

}  // namespace detail
}  // namespace kiln
