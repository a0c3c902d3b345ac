// C1's loaded rows: a workload saved here, loaded and first called in child processes.
#include "bench_load_start.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "kiln/kiln.h"

namespace kiln_bench {
namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const Workload* find_workload(const std::vector<Workload>& all, const std::string& id) {
  for (const Workload& w : all)
    if (w.id == id) return &w;
  return nullptr;
}

}  // namespace

int load_first_call_child(const std::string& id, const std::string& file) {
  const std::vector<Workload> all = all_workloads();
  const Workload* w = find_workload(all, id);
  if (w == nullptr) {
    std::fprintf(stderr, "kiln-bench: no workload %s\n", id.c_str());
    return 1;
  }
  Instance instance = w->make(kiln::Device{});
  try {
    const double t0 = now_ms();
    kiln::LoadedFunction loaded = kiln::load(file);
    const double t1 = now_ms();
    std::vector<kiln::Tensor> outputs = loaded(instance.inputs);
    for (const kiln::Tensor& t : outputs) t.data();  // on the CPU: done when it returns
    const double t2 = now_ms();
    std::printf("%.6g %.6g %.6g\n", t2 - t0, t1 - t0, t2 - t1);
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "kiln-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

std::vector<LoadStart> measure_load_starts(const std::vector<Workload>& workloads, int children) {
  std::vector<LoadStart> out;
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::string dir = (std::filesystem::temp_directory_path() / "kiln-bench-load-XXXXXX").string();
  const bool made = !ec && ::mkdtemp(dir.data()) != nullptr;
  for (const Workload& w : workloads) {
    LoadStart row;
    row.workload = w.id;
    const std::string file = dir + "/" + w.id + ".kiln";
    try {
      if (!made) throw kiln::Error("no temporary folder or no path to kiln-bench");
      Instance instance = w.make(kiln::Device{});
      kiln::FunctionOptions options;
      options.name = w.id;
      auto f = kiln::function(instance.body, options);
      f.save(file, instance.inputs);
    } catch (const kiln::Error& e) {
      row.error = e.what();
      out.push_back(row);
      continue;
    }
    std::vector<LoadStart> calls;
    for (int i = 0; i < children && row.error.empty(); ++i) {
      // No compile cache: the child compiles, as the traced first call it stands beside.
      const std::string command =
          "KILN_CACHE_DIR=off '" + self + "' --load-first-call " + w.id + " '" + file + "' 2>&1";
      std::FILE* pipe = ::popen(command.c_str(), "r");
      if (pipe == nullptr) {
        row.error = "cannot start a child process";
        break;
      }
      std::string text;
      std::array<char, 512> buf{};
      while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) text += buf.data();
      LoadStart c;
      if (::pclose(pipe) != 0 ||
          std::sscanf(text.c_str(), "%lf %lf %lf", &c.total_ms, &c.load_ms, &c.call_ms) != 3)
        row.error = "the child failed: " + text;
      else
        calls.push_back(c);
    }
    if (row.error.empty() && !calls.empty()) {
      std::sort(calls.begin(), calls.end(),
                [](const LoadStart& a, const LoadStart& b) { return a.total_ms < b.total_ms; });
      const LoadStart& median = calls[calls.size() / 2];
      row.total_ms = median.total_ms;
      row.load_ms = median.load_ms;
      row.call_ms = median.call_ms;
    }
    out.push_back(row);
  }
  if (made) std::filesystem::remove_all(dir, ec);
  return out;
}

}  // namespace kiln_bench
