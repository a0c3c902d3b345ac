// C1's loaded rows: a workload saved here, loaded and first called in child processes.
#include "bench_load_start.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "bench_timing.h"
#include "bench_warm_start.h"
#include "kiln/kiln.h"

namespace kiln_bench {
namespace {

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
    const double t0 = now_s() * 1e3;
    kiln::LoadedFunction loaded = kiln::load(file);
    const double t1 = now_s() * 1e3;
    std::vector<kiln::Tensor> outputs = loaded(instance.inputs);
    for (const kiln::Tensor& t : outputs) t.data();  // on the CPU: done when it returns
    const double t2 = now_s() * 1e3;
    std::printf("%.6g %.6g %.6g %016llx\n", t2 - t0, t1 - t0, t2 - t1,
                static_cast<unsigned long long>(results_digest(outputs)));
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "kiln-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

namespace {

/// Workload `w`'s jit function of `instance`'s body, named after the workload.
auto jit_function(const Workload& w, const Instance& instance) {
  kiln::FunctionOptions options;
  options.name = w.id;
  return kiln::function(instance.body, options);
}

/// Workload `w`'s jit function (on a fresh instance) saved to `file`.
void save_workload(const Workload& w, const std::string& file) {
  Instance instance = w.make(kiln::Device{});
  jit_function(w, instance).save(file, instance.inputs);
}

/// The digest of workload `w`'s traced jit function's first call on a fresh instance.
uint64_t traced_digest(const Workload& w) {
  Instance instance = w.make(kiln::Device{});
  return results_digest(jit_function(w, instance)(instance.inputs));
}

/// Runs `kiln-bench --load-first-call` for `w` and `file`; false with `error` set if it
/// failed.
bool run_load_child(const std::string& self, const Workload& w, const std::string& file,
                    LoadStart* out, unsigned long long* digest, std::string* error) {
  // No compile cache: the child compiles, as the traced first call it stands beside.
  bool ok = false;
  const std::string text = run_command(
      "KILN_CACHE_DIR=off '" + self + "' --load-first-call " + w.id + " '" + file + "' 2>&1", &ok);
  if (!ok || std::sscanf(text.c_str(), "%lf %lf %lf %llx", &out->total_ms, &out->load_ms,
                         &out->call_ms, digest) != 4)
    return *error = "the child failed: " + text, false;
  return true;
}

}  // namespace

int saved_roundtrip(const std::vector<Workload>& workloads) {
  const std::string self = self_path();
  const std::string dir = make_temp_dir("kiln-bench-saved-");
  if (self.empty() || dir.empty()) {
    std::fprintf(stderr, "kiln-bench: no temporary folder or no path to kiln-bench\n");
    return 1;
  }
  int failures = 0;
  for (const Workload& w : workloads) {
    const std::string file = dir + "/" + w.id + ".kiln";
    std::string error;
    try {
      save_workload(w, file);
      const uint64_t want = traced_digest(w);
      Instance instance = w.make(kiln::Device{});
      const uint64_t here = results_digest(kiln::load(file)(instance.inputs));
      LoadStart child;
      unsigned long long there = 0;
      if (!run_load_child(self, w, file, &child, &there, &error)) {
      } else if (here != want || there != want) {
        error = "loaded results differ from the traced function's (digests: traced " +
                std::to_string(want) + ", loaded here " + std::to_string(here) + ", in a child " +
                std::to_string(there) + ")";
      }
    } catch (const kiln::Error& e) {
      error = e.what();
    }
    std::printf("%s  %s\n", w.id.c_str(),
                error.empty() ? "saved, loaded here and in a new process: equal bit for bit"
                              : ("FAILED: " + error).c_str());
    failures += !error.empty();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return failures == 0 ? 0 : 1;
}

std::vector<LoadStart> measure_load_starts(const std::vector<Workload>& workloads, int children) {
  std::vector<LoadStart> out;
  const std::string self = self_path();
  const std::string dir = make_temp_dir("kiln-bench-load-");
  const bool made = !self.empty() && !dir.empty();
  for (const Workload& w : workloads) {
    LoadStart row;
    row.workload = w.id;
    const std::string file = dir + "/" + w.id + ".kiln";
    uint64_t want = 0;
    try {
      if (!made) throw kiln::Error("no temporary folder or no path to kiln-bench");
      save_workload(w, file);
      want = traced_digest(w);
    } catch (const kiln::Error& e) {
      row.error = e.what();
      out.push_back(row);
      continue;
    }
    std::vector<LoadStart> calls;
    for (int i = 0; i < children && row.error.empty(); ++i) {
      LoadStart c;
      unsigned long long digest = 0;
      if (!run_load_child(self, w, file, &c, &digest, &row.error)) break;
      if (digest != want)
        row.error = "the loaded function's results differ from the traced function's";
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
  std::error_code ec;
  if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  return out;
}

}  // namespace kiln_bench
