// C1's warm-start row: child processes of kiln-bench over one warm compile-cache folder.
#include "bench_warm_start.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include "kiln/kiln.h"

namespace kiln_bench {
namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct ChildCall {
  FirstCall call;
  double disk_ms = 0;
  unsigned long long disk_hits = 0;
};

/// Runs `kiln-bench --first-call id` with KILN_CACHE_DIR=dir and reads its line.
bool run_child(const std::string& self, const std::string& dir, const std::string& id,
               ChildCall* out, std::string* error) {
  bool ok = false;
  const std::string text =
      run_command("KILN_CACHE_DIR='" + dir + "' '" + self + "' --first-call " + id + " 2>&1", &ok);
  FirstCall& c = out->call;
  if (!ok || std::sscanf(text.c_str(), "%lf %lf %lf %lf %lf %lf %llu", &c.first_call_ms,
                         &c.trace_ms, &c.optimize_ms, &c.codegen_ms, &c.compile_ms, &out->disk_ms,
                         &out->disk_hits) != 7) {
    *error = "the child failed: " + text;
    return false;
  }
  return true;
}

/// Workload `id` on the CPU, bound to a kiln::function with the JIT (not called yet), and
/// that function's statistics; nothing (and a message) when there is no such workload.
struct JitWorkload {
  std::unique_ptr<Runner> runner;
  std::function<kiln::FunctionStats()> stats;
};
std::optional<JitWorkload> jit_workload(const std::string& id) {
  for (const Workload& w : all_workloads()) {
    if (w.id != id) continue;
    Instance instance = w.make(kiln::Device{});
    std::optional<Compiled> compiled = compile_for(Mode::jit, instance.body, w.id);
    if (!compiled) break;
    return JitWorkload{std::make_unique<Runner>(std::move(instance), compiled->body),
                       compiled->stats};
  }
  std::fprintf(stderr, "kiln-bench: no jit workload %s\n", id.c_str());
  return std::nullopt;
}

}  // namespace

uint64_t results_digest(const std::vector<kiln::Tensor>& outputs) {
  uint64_t digest = 14695981039346656037ull;
  for (const kiln::Tensor& t : outputs)
    for (double v : t.astype(kiln::DType::f64).to_vector<double>()) {
      uint64_t b = 0;
      std::memcpy(&b, &v, sizeof b);
      for (int i = 0; i < 8; ++i) digest = (digest ^ ((b >> (8 * i)) & 0xff)) * 1099511628211ull;
    }
  return digest;
}

std::string self_path() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string make_temp_dir(const std::string& prefix) {
  std::string dir = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  return ::mkdtemp(dir.data()) != nullptr ? dir : std::string();
}

std::string run_command(const std::string& command, bool* ok) {
  std::string text;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *ok = false;
    return "cannot start a child process";
  }
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) text += buf.data();
  *ok = ::pclose(pipe) == 0;
  return text;
}

int first_call_child(const std::string& id) {
  std::optional<JitWorkload> w = jit_workload(id);
  if (!w) return 1;
  const double t0 = now_ms();
  std::vector<kiln::Tensor> outputs = w->runner->call();
  const double ms = now_ms() - t0;
  const kiln::FunctionStats s = w->stats();
  const uint64_t digest = results_digest(outputs);
  std::printf("%.6g %.6g %.6g %.6g %.6g %.6g %llu %llu %016llx\n", ms, s.trace_ms, s.optimize_ms,
              s.codegen_ms, s.compile_ms, s.disk_ms, static_cast<unsigned long long>(s.disk_hits),
              static_cast<unsigned long long>(s.disk_misses),
              static_cast<unsigned long long>(digest));
  return 0;
}

int loop_child(const std::string& id, double seconds) {
  std::optional<JitWorkload> w = jit_workload(id);
  if (!w) return 1;
  w->runner->call();  // compiled
  const double t0 = now_ms();
  int64_t calls = 0;
  while (now_ms() - t0 < seconds * 1e3) {
    w->runner->call();
    ++calls;
  }
  std::printf("%s jit: %lld calls, %.4g ms per call\n", id.c_str(), static_cast<long long>(calls),
              (now_ms() - t0) / static_cast<double>(calls));
  return 0;
}

std::vector<WarmStart> measure_warm_starts(const std::vector<Workload>& workloads, int children) {
  std::vector<WarmStart> out;
  const std::string self = self_path();
  const std::string dir = make_temp_dir("kiln-bench-cache-");
  const bool made = !self.empty() && !dir.empty();
  for (const Workload& w : workloads) {
    WarmStart ws;
    ws.workload = w.id;
    if (!made) {
      ws.error = "no temporary cache folder or no path to kiln-bench";
      out.push_back(ws);
      continue;
    }
    std::vector<ChildCall> calls;
    ChildCall fill;
    bool ok = run_child(self, dir, w.id, &fill, &ws.error);  // compiles and writes the entry
    for (int i = 0; ok && i < children; ++i) {
      ChildCall c;
      ok = run_child(self, dir, w.id, &c, &ws.error);
      if (ok) calls.push_back(c);
    }
    if (ok && !calls.empty()) {
      std::sort(calls.begin(), calls.end(), [](const ChildCall& a, const ChildCall& b) {
        return a.call.first_call_ms < b.call.first_call_ms;
      });
      const ChildCall& median = calls[calls.size() / 2];
      ws.call = median.call;
      ws.disk_ms = median.disk_ms;
      for (const ChildCall& c : calls) ws.all_hit &= c.disk_hits == 1;
    }
    out.push_back(ws);
  }
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return out;
}

}  // namespace kiln_bench
