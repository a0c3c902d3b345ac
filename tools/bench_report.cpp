#include "bench_report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln_bench {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Three significant figures or so, whatever the magnitude.
std::string num(double v) {
  double a = std::fabs(v);
  if (a >= 100) return fmt("%.0f", v);
  if (a >= 10) return fmt("%.1f", v);
  if (a >= 1) return fmt("%.2f", v);
  return fmt("%.3f", v);
}

namespace {

const char* kDash = "—";

// Display width of UTF-8 text (one column per code point; "µ", "—" and "×" are one).
size_t width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string pad(const std::string& s, size_t w, bool right) {
  size_t have = width(s);
  if (have >= w) return s;
  std::string fill(w - have, ' ');
  return right ? fill + s : s + fill;
}

const Result* find(const Report& r, const std::string& id, Mode mode) {
  for (auto& res : r.results)
    if (res.workload == id && res.mode == mode) return &res;
  return nullptr;
}

double in_unit(const Workload& w, double seconds) {
  return w.unit == TimeUnit::us ? seconds * 1e6 : seconds * 1e3;
}

struct Column {
  std::string head;
  size_t w;
  bool right;
};

void print_row(std::FILE* out, const std::vector<Column>& cols,
               const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) line += "  ";
    line += pad(cells[i], cols[i].w, cols[i].right);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(out, "%s\n", line.c_str());
}

std::string check_mark(bool ok) { return ok ? "✓" : "✗"; }

// Results within this fraction of each other are "within noise" (shared, 2-core hosts).
constexpr double kNoise = 0.03;

// Bytes per element the bandwidth goals count, and what they are.
const char* kW2Bytes = "16 B/element: x, w, b read, y written";
const char* kW5Bytes = "8 B/element: x read, y written; gamma, beta (8 KiB) not counted";

const Result* ok_result(const Report& r, const std::string& id, Mode mode) {
  const Result* res = find(r, id, mode);
  return res && res->error.empty() ? res : nullptr;
}

bool ran(const Report& r, const std::string& id) {
  for (auto& w : r.workloads)
    if (w.id == id) return true;
  return false;
}

bool on_cuda(const Report& r) { return r.device.kind == kiln::Device::cuda; }

// "cuda:0 (NVIDIA H100 80GB HBM3)", or "cpu".
std::string device_label(const Report& r) {
  std::string label = kiln::to_string(r.device);
  return r.device_name.empty() ? label : label + " (" + r.device_name + ")";
}

// The bandwidth the workloads' GB/s are held against: the most the CPU's memory showed
// (plain or streaming stores), or the CUDA device's device-to-device copy (with --roofline).
std::optional<double> copy_gbs(const Report& r) {
  if (r.roofline) return r.roofline->best_gbs();
  if (r.cuda_roofline) return r.cuda_roofline->copy_gbs;
  return std::nullopt;
}

void print_roofline(const Roofline& f, int threads, std::FILE* out) {
  std::fprintf(out, "\nroofline (%d threads):\n", threads);
  std::fprintf(out,
               "  memory copy      %7s GB/s   (256 MiB arrays, read + written, median of 11)\n",
               num(f.copy_gbs).c_str());
  std::fprintf(out, "  memory triad     %7s GB/s   (a = b + s*c)\n", num(f.triad_gbs).c_str());
  std::fprintf(out,
               "  streaming copy   %7s GB/s   (non-temporal stores: no read of the destination)\n",
               num(f.stream_copy_gbs).c_str());
  std::fprintf(out,
               "  streaming 3r1w   %7s GB/s   (a = b*c + d, non-temporal stores: W2's pattern)\n",
               num(f.stream_3r1w_gbs).c_str());
  std::fprintf(out, "  best             %7s GB/s   (what the bandwidth goals are held against)\n",
               num(f.best_gbs()).c_str());
  std::fprintf(out, "  OpenBLAS sgemm   %7s GFLOP/s (2048^3, timed like a workload)\n",
               num(f.sgemm_gflops).c_str());
  std::fprintf(out, "  OpenBLAS sgemm   %7s GFLOP/s (1024^3 = W6's shape)\n",
               num(f.sgemm_w6_gflops).c_str());
  std::fprintf(out, "  eager add  16M   %7s GB/s   (12 B/element) = %3.0f%% of best\n",
               num(f.eager_add_gbs).c_str(), 100 * f.eager_add_gbs / f.best_gbs());
  std::fprintf(out, "  eager tanh 16M   %7s GB/s   ( 8 B/element) = %3.0f%% of best\n",
               num(f.eager_tanh_gbs).c_str(), 100 * f.eager_tanh_gbs / f.best_gbs());
}

void print_cuda_roofline(const CudaRoofline& f, const Report& r, std::FILE* out) {
  std::fprintf(out, "\nroofline of %s:\n", device_label(r).c_str());
  std::fprintf(out, "  device copy      %7s GB/s   (256 MiB device to device, read + written)\n",
               num(f.copy_gbs).c_str());
  std::fprintf(out, "  cuBLAS sgemm     %7s GFLOP/s (%d^3, eager kiln::matmul, TF32 %s)\n",
               num(f.sgemm_gflops).c_str(), CudaRoofline::kSgemmPeakN, f.tf32 ? "on" : "off");
  std::fprintf(out, "  cuBLAS sgemm     %7s GFLOP/s (%d^3 = W6's shape)\n",
               num(f.sgemm_w6_gflops).c_str(), CudaRoofline::kSgemmW6N);
  std::fprintf(out, "  eager add  16M   %7s GB/s   (12 B/element) = %3.0f%% of device copy\n",
               num(f.eager_add_gbs).c_str(), 100 * f.eager_add_gbs / f.copy_gbs);
  std::fprintf(out, "  eager tanh 16M   %7s GB/s   ( 8 B/element) = %3.0f%% of device copy\n",
               num(f.eager_tanh_gbs).c_str(), 100 * f.eager_tanh_gbs / f.copy_gbs);
  std::fprintf(out,
               "  (each timed like a workload, every call synchronized; the CPU's roofline,\n"
               "   memory copy/triad and OpenBLAS, is not measured with --device cuda)\n");
}

void print_goals(const Report& r, std::FILE* out) {
  if (r.roofline) print_roofline(*r.roofline, r.threads, out);
  if (r.cuda_roofline) print_cuda_roofline(*r.cuda_roofline, r, out);
  auto list = goals(r);
  if (list.empty()) return;
  std::optional<double> copy = copy_gbs(r);
  std::fprintf(out, "%sgoals (reported, not asserted):\n", copy ? "" : "\n");
  bool undecided = false;
  for (auto& g : list) {
    undecided |= !g.met;
    std::fprintf(out, "  %s %s: %s\n", g.met ? check_mark(*g.met).c_str() : "?", g.name.c_str(),
                 g.detail.c_str());
  }
  if (undecided)
    std::fprintf(out, on_cuda(r) ? "  (run with --roofline for the goals against the device's "
                                   "copy bandwidth and cuBLAS)\n"
                                 : "  (run with --roofline for bandwidth goals)\n");
  if (copy) {
    for (const char* id : {"W2", "W5"}) {
      const Result* res = ok_result(r, id, Mode::eager);
      if (res && res->gbs)
        std::fprintf(out, "  (%s eager moves %s GB/s = %.0f%% of the %s)\n", id,
                     num(*res->gbs).c_str(), 100 * *res->gbs / *copy,
                     on_cuda(r) ? "device copy bandwidth" : "best memory bandwidth");
    }
  }
}

// C1: the first call of W1, W3 and W4 in the compiled modes, split as kiln::FunctionStats
// reports it right after that call; then the jit's first call in a new process with the
// persistent compile cache warm.
void print_first_calls(const Report& r, std::FILE* out) {
  std::vector<Column> cols{
      {"id", 2, false},      {"mode", 4, false},   {"first call", 10, true}, {"trace", 5, true},
      {"optimize", 8, true}, {"codegen", 7, true}, {"disk cache", 10, true}, {"other", 5, true}};
  std::vector<std::vector<std::string>> rows;
  for (const char* id : {"W1", "W3", "W4"}) {
    for (Mode m : kAllModes) {
      const Result* res = find(r, id, m);
      if (!res || !res->first_call) continue;
      const FirstCall& c = *res->first_call;
      double other = c.first_call_ms - c.trace_ms - c.optimize_ms - c.codegen_ms;
      rows.push_back({id, std::string(mode_name(m)), num(c.first_call_ms), num(c.trace_ms),
                      num(c.optimize_ms), m == Mode::jit ? num(c.codegen_ms) : kDash, kDash,
                      num(other)});
    }
  }
  for (const WarmStart& w : r.warm_starts) {
    if (!w.error.empty()) {
      rows.push_back({w.workload, "jit, new process, warm cache", "failed", kDash, kDash, kDash,
                      kDash, kDash});
      continue;
    }
    const FirstCall& c = w.call;
    double other = c.first_call_ms - c.trace_ms - c.optimize_ms - c.codegen_ms - w.disk_ms;
    rows.push_back({w.workload,
                    w.all_hit ? "jit, new process, warm cache" : "jit, new process (MISSED)",
                    num(c.first_call_ms), num(c.trace_ms), num(c.optimize_ms), num(c.codegen_ms),
                    num(w.disk_ms), num(other)});
  }
  // Loaded (f.save, kiln::load in a new process, no cache): no trace; load and compile
  // are in "other" (kiln::load does not split them), the first call after it too.
  for (const LoadStart& l : r.load_starts)
    rows.push_back({l.workload, "jit, loaded in a new process",
                    l.error.empty() ? num(l.total_ms) : "failed", kDash, kDash, kDash, kDash,
                    l.error.empty() ? num(l.total_ms) : kDash});
  if (rows.empty()) return;
  for (size_t i = 0; i < cols.size(); ++i) {
    cols[i].w = std::max(cols[i].w, width(cols[i].head));
    for (auto& row : rows) cols[i].w = std::max(cols[i].w, width(row[i]));
  }
  std::fprintf(
      out,
      "\nC1 first-call latency (ms), split by kiln::FunctionStats after the first call (median of\n"
      "3 fresh functions):\n");
  std::vector<std::string> heads;
  size_t total = 0;
  for (auto& c : cols) heads.push_back(c.head), total += c.w + 2;
  print_row(out, cols, heads);
  std::fprintf(out, "%s\n", std::string(total - 2, '-').c_str());
  for (auto& row : rows) print_row(out, cols, row);
  if (on_cuda(r)) {
    std::fprintf(
        out,
        "optimize = simplification + fusion; codegen = lowering + PTX for the device (jit only);\n"
        "other = first call - trace - optimize - codegen: the execution plan, argument\n"
        "handling and running the call once, synchronized with the device.\n");
  } else {
    std::fprintf(
        out,
        "optimize = simplification + fusion; codegen = lowering + LLVM native code (jit only);\n"
        "disk cache = key, read, load of the code from the persistent compile cache (off for\n"
        "the rows above it; the warm rows are the median of 3 child processes sharing a\n"
        "folder one more child filled); other = the rest of the first call: the execution\n"
        "plan, argument handling and running the call once.\n");
  }
  const Result* w0 = find(r, "W0", Mode::jit);
  if (w0 && w0->first_call && ran(r, "W1")) {
    std::fprintf(
        out,
        "(the process's first JIT compile is W0's, which ran first: %s ms, codegen %s ms;\n"
        " whatever one-time set-up the JIT has is paid there, not in the rows above.)\n",
        num(w0->first_call->first_call_ms).c_str(), num(w0->first_call->codegen_ms).c_str());
  }
}

/// Goal lines in the order they are added.
struct GoalList : std::vector<Goal> {
  void add(std::string name, std::optional<bool> met, std::optional<double> value, double target,
           std::string unit, std::string detail) {
    push_back(Goal{std::move(name), met, value, target, std::move(unit), std::move(detail)});
  }
  /// A goal whose workload failed its check, so nothing was timed.
  void failed(const std::string& name, double target, const std::string& unit) {
    add(name, false, std::nullopt, target, unit, "a check FAILED, nothing was timed");
  }
};

// The goals on a CUDA device: the device's own figures (--roofline, measured in the same
// run) against the JIT's, and the cost of a cached call.
std::vector<Goal> cuda_goals(const Report& r) {
  GoalList out;
  const std::optional<CudaRoofline>& f = r.cuda_roofline;

  if (ran(r, "W2")) {
    const std::string name = "W2 jit >= 80% of the device copy bandwidth";
    const Result* jit = ok_result(r, "W2", Mode::jit);
    if (!jit || !jit->gbs) {
      out.failed(name, 80, "% of device copy");
    } else if (!f) {
      out.add(name, std::nullopt, std::nullopt, 80, "% of device copy",
              num(*jit->gbs) + " GB/s (" + kW2Bytes + "); needs --roofline");
    } else {
      double ratio = *jit->gbs / f->copy_gbs;
      out.add(name, ratio >= 0.8, 100 * ratio, 80, "% of device copy",
              fmt("%.0f%%", 100 * ratio) + " (" + num(*jit->gbs) + " of " + num(f->copy_gbs) +
                  " GB/s; " + kW2Bytes + ")");
    }
  }

  if (ran(r, "W6")) {
    const std::string name = "W6 jit >= 90% of cuBLAS sgemm at 1024^3 (same run)";
    const Result* jit = ok_result(r, "W6", Mode::jit);
    if (!jit || !jit->gflops) {
      out.failed(name, 90, "% of sgemm");
    } else if (!f) {
      out.add(name, std::nullopt, std::nullopt, 90, "% of sgemm",
              num(*jit->gflops) + " GFLOP/s; needs --roofline");
    } else {
      double ratio = *jit->gflops / f->sgemm_w6_gflops;
      out.add(name, ratio >= 0.9, 100 * ratio, 90, "% of sgemm",
              fmt("%.0f%%", 100 * ratio) + " (" + num(*jit->gflops) + " of " +
                  num(f->sgemm_w6_gflops) + " GFLOP/s)");
    }
  }

  if (ran(r, "W0")) {
    const std::string name = "W0 cached call <= 10 µs (jit or graph median)";
    const Result* jit = ok_result(r, "W0", Mode::jit);
    const Result* graph = ok_result(r, "W0", Mode::graph);
    if (!jit && !graph) {
      out.failed(name, 10, "µs");
    } else {
      std::optional<double> best;
      std::string detail;
      for (const Result* res : {jit, graph}) {
        if (!res) continue;
        double us = res->stats.median_s * 1e6;
        best = best ? std::min(*best, us) : us;
        detail += (detail.empty() ? "" : ", ") + std::string(mode_name(res->mode)) + " " + num(us) +
                  " µs";
      }
      out.add(name, *best <= 10, *best, 10, "µs", detail);
    }
  }
  return out;
}

}  // namespace

std::vector<Goal> goals(const Report& r) {
  GoalList out;
  if (r.checks_only) return out;
  if (on_cuda(r)) return cuda_goals(r);

  // The machine's own limits against eager kiln (with --roofline only).
  if (r.roofline) {
    const Roofline& f = *r.roofline;
    const double best = f.best_gbs();
    double add_ratio = f.eager_add_gbs / best, tanh_ratio = f.eager_tanh_gbs / best;
    out.add("eager add  >= 70% of the best memory bandwidth", add_ratio >= 0.7, 100 * add_ratio, 70,
            "% of best", fmt("%.0f%%", 100 * add_ratio));
    out.add("eager tanh >= 70% of the best memory bandwidth", tanh_ratio >= 0.7, 100 * tanh_ratio,
            70, "% of best", fmt("%.0f%%", 100 * tanh_ratio));
    if (const Result* w6 = ok_result(r, "W6", Mode::eager); w6 && w6->gflops) {
      double ratio = *w6->gflops / f.sgemm_w6_gflops;
      out.add("W6 eager  >= 90% of OpenBLAS sgemm at 1024^3", ratio >= 0.9, 100 * ratio, 90,
              "% of sgemm",
              fmt("%.0f%%", 100 * ratio) + " (" + num(*w6->gflops) + " of " +
                  num(f.sgemm_w6_gflops) + " GFLOP/s)");
    }
  }

  // The JIT's, from this run's results.
  auto speedup_goal = [&](const std::string& id, double target, bool noise_counts,
                          const std::string& name) {
    if (!ran(r, id)) return;
    const Result* jit = ok_result(r, id, Mode::jit);
    const Result* eager = ok_result(r, id, Mode::eager);
    if (!jit || !eager || !jit->speedup_vs_eager) return out.failed(name, target, "x");
    double s = *jit->speedup_vs_eager;
    bool noise = std::fabs(s - 1) <= kNoise && target == 1;
    bool met = s >= target || (noise_counts && noise);
    const Workload* w = nullptr;
    for (auto& x : r.workloads)
      if (x.id == id) w = &x;
    std::string detail = num(s) + "× (eager " + num(in_unit(*w, eager->stats.median_s)) + ", jit " +
                         num(in_unit(*w, jit->stats.median_s)) + " " + w->unit_label +
                         (noise ? "; within noise, ±3%" : "") + ")";
    out.add(name, met, s, target, "x", detail);
  };
  speedup_goal("W1", 10, false, "W1 jit >= 10x faster than eager");

  auto bandwidth_goal = [&](const std::string& id, double target, const char* bytes) {
    std::string name =
        id + " jit >= " + fmt("%.0f", 100 * target) + "% of the best memory bandwidth";
    if (!ran(r, id)) return;
    const Result* jit = ok_result(r, id, Mode::jit);
    if (!jit || !jit->gbs) return out.failed(name, 100 * target, "% of best");
    if (!r.roofline) {
      out.add(name, std::nullopt, std::nullopt, 100 * target, "% of best",
              num(*jit->gbs) + " GB/s (" + bytes + ")");
      return;
    }
    const double best = r.roofline->best_gbs();
    double ratio = *jit->gbs / best;
    out.add(name, ratio >= target, 100 * ratio, 100 * target, "% of best",
            fmt("%.0f%%", 100 * ratio) + " (" + num(*jit->gbs) + " of " + num(best) + " GB/s; " +
                bytes + ")");
  };
  bandwidth_goal("W2", 0.8, kW2Bytes);
  bandwidth_goal("W5", 0.6, kW5Bytes);

  speedup_goal("W7", 1, false, "W7 jit >= eager");
  speedup_goal("W3", 1, true, "W3 jit no slower than eager");
  speedup_goal("W6", 1, true, "W6 jit no slower than eager");

  for (auto [id, limit] : {std::pair<const char*, double>{"W1", 20}, {"W3", 15}, {"W4", 30}}) {
    std::string name = std::string("C1 ") + id + " jit first call <= " + num(limit) + " ms";
    if (!ran(r, id)) continue;
    const Result* jit = find(r, id, Mode::jit);
    if (!jit || !jit->first_call) {
      out.failed(name, limit, "ms");
      continue;
    }
    const FirstCall& c = *jit->first_call;
    out.add(name, c.first_call_ms <= limit, c.first_call_ms, limit, "ms",
            num(c.first_call_ms) + " ms (trace " + num(c.trace_ms) + ", optimize " +
                num(c.optimize_ms) + ", codegen " + num(c.codegen_ms) + ")");
  }
  for (const WarmStart& w : r.warm_starts) {
    const double limit = 3;
    std::string name = "C1 " + w.workload + " jit first call in a new process, cache warm <= 3 ms";
    if (!w.error.empty() || !w.all_hit) {
      out.failed(name, limit, "ms");
      continue;
    }
    out.add(name, w.call.first_call_ms <= limit, w.call.first_call_ms, limit, "ms",
            num(w.call.first_call_ms) + " ms (trace " + num(w.call.trace_ms) + ", disk cache " +
                num(w.disk_ms) + ", codegen " + num(w.call.codegen_ms) + ")");
  }
  return out;
}

void print_report(const Report& r, std::FILE* out) {
  std::fprintf(out, "kiln-bench — cpu: %s; threads: %d; OpenBLAS core: %s; device: %s\n",
               r.cpu.c_str(), r.threads, r.blas_core.c_str(), device_label(r).c_str());
  if (!r.blas_warning.empty()) std::fprintf(out, "warning: %s\n", r.blas_warning.c_str());
  for (auto& note : r.notes) std::fprintf(out, "%s\n", note.c_str());
  std::vector<std::string> failures;
  for (auto& res : r.results)
    if (!res.error.empty())
      failures.push_back(res.workload + " " + std::string(mode_name(res.mode)) + ": " + res.error);
  if (!r.workloads.empty() && !r.checks_only) {
    std::vector<Column> cols{{"id", 2, false}, {"workload", 8, false}, {"unit", 4, false}};
    for (Mode m : kAllModes) cols.push_back({std::string(mode_name(m)), 7, true});
    for (Mode m : kAllModes)
      if (m != Mode::eager) cols.push_back({std::string(mode_name(m)) + " ×", 7, true});
    cols.push_back({"rate", 7, false});
    for (Mode m : kAllModes) cols.push_back({std::string(mode_name(m)), 7, true});

    std::vector<std::vector<std::string>> rows;
    for (auto& w : r.workloads) {
      std::vector<std::string> cells{w.id, w.title, w.unit_label};
      for (Mode m : kAllModes) {
        const Result* res = find(r, w.id, m);
        if (!res)
          cells.push_back(kDash);
        else if (!res->error.empty())
          cells.push_back("FAILED");
        else
          cells.push_back(num(in_unit(w, res->stats.median_s)));
      }
      for (Mode m : kAllModes) {
        if (m == Mode::eager) continue;
        const Result* res = find(r, w.id, m);
        cells.push_back(res && res->speedup_vs_eager ? num(*res->speedup_vs_eager) + "×" : kDash);
      }
      bool bytes = w.bytes_per_call > 0, flops = w.flops_per_call > 0;
      cells.push_back(bytes ? "GB/s" : flops ? "GFLOP/s" : "");
      for (Mode m : kAllModes) {
        const Result* res = find(r, w.id, m);
        std::optional<double> rate = res ? (bytes ? res->gbs : res->gflops) : std::nullopt;
        cells.push_back(!bytes && !flops ? "" : rate ? num(*rate) : kDash);
      }
      rows.push_back(cells);
    }
    for (size_t i = 0; i < cols.size(); ++i) {
      cols[i].w = std::max(cols[i].w, width(cols[i].head));
      for (auto& row : rows) cols[i].w = std::max(cols[i].w, width(row[i]));
    }
    // Header: group titles over the time, speedup and rate columns.
    std::vector<std::string> heads;
    for (auto& c : cols) heads.push_back(c.head);
    std::fprintf(out,
                 "\nmedian time per call (unit per row), speedup over eager, effective rate:\n");
    print_row(out, cols, heads);
    size_t total = 0;
    for (auto& c : cols) total += c.w + 2;
    std::fprintf(out, "%s\n", std::string(total - 2, '-').c_str());
    for (auto& row : rows) print_row(out, cols, row);
  }
  if (!r.checks_only) print_first_calls(r, out);
  for (auto& f : failures) std::fprintf(out, "FAILED %s\n", f.c_str());
  print_goals(r, out);
}

namespace {

// A number, or null where it is not finite (JSON has no NaN or infinity; llvm::json would
// print "nan").
llvm::json::Value number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

// Text as JSON wants it: valid UTF-8 (an error message may carry a user's bytes).
llvm::json::Value text(const std::string& s) {
  if (!llvm::json::isUTF8(s)) return llvm::json::fixUTF8(s);
  return s;
}

}  // namespace

bool write_json(const Report& r, const std::string& path, std::string* error) {
  std::string out;
  llvm::raw_string_ostream os(out);
  // llvm::json writes the text: escaping and number formats are not ours to get wrong.
  llvm::json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    j.attributeObject("machine", [&] {
      j.attribute("cpu", text(r.cpu));
      j.attribute("threads", static_cast<int64_t>(r.threads));
      j.attribute("blas_core", text(r.blas_core));
      j.attribute("device", kiln::to_string(r.device));
      if (!r.device_name.empty()) j.attribute("device_name", text(r.device_name));
    });
    if (r.cuda_roofline) {
      const CudaRoofline& f = *r.cuda_roofline;
      j.attributeObject("roofline", [&] {
        j.attribute("device", kiln::to_string(r.device));
        j.attribute("copy_gbs", number(f.copy_gbs));
        j.attribute("sgemm_gflops", number(f.sgemm_gflops));
        j.attribute("sgemm_n", static_cast<int64_t>(CudaRoofline::kSgemmPeakN));
        j.attribute("sgemm_w6_gflops", number(f.sgemm_w6_gflops));
        j.attribute("eager_add_gbs", number(f.eager_add_gbs));
        j.attribute("eager_tanh_gbs", number(f.eager_tanh_gbs));
        j.attribute("tf32", f.tf32);
      });
    }
    if (r.roofline) {
      const Roofline& f = *r.roofline;
      j.attributeObject("roofline", [&] {
        j.attribute("copy_gbs", number(f.copy_gbs));
        j.attribute("sgemm_gflops", number(f.sgemm_gflops));
        j.attribute("sgemm_w6_gflops", number(f.sgemm_w6_gflops));
        j.attribute("eager_add_gbs", number(f.eager_add_gbs));
        j.attribute("eager_tanh_gbs", number(f.eager_tanh_gbs));
        j.attribute("triad_gbs", number(f.triad_gbs));
        j.attribute("stream_copy_gbs", number(f.stream_copy_gbs));
        j.attribute("stream_3r1w_gbs", number(f.stream_3r1w_gbs));
        j.attribute("best_gbs", number(f.best_gbs()));
      });
    }
    std::vector<const Result*> failed;
    j.attributeArray("results", [&] {
      for (const Result& res : r.results) {
        if (!res.error.empty()) {
          failed.push_back(&res);
          continue;
        }
        j.object([&] {
          j.attribute("workload", text(res.workload));
          j.attribute("mode", std::string(mode_name(res.mode)));
          j.attribute("device", text(res.device));
          j.attribute("median_ms", number(res.stats.median_s * 1e3));
          if (res.speedup_vs_eager) j.attribute("speedup_vs_eager", number(*res.speedup_vs_eager));
          if (res.gbs) j.attribute("gbs", number(*res.gbs));
          if (res.gflops) j.attribute("gflops", number(*res.gflops));
          if (res.first_call) {
            j.attribute("first_call_ms", number(res.first_call->first_call_ms));
            j.attribute("trace_ms", number(res.first_call->trace_ms));
            j.attribute("optimize_ms", number(res.first_call->optimize_ms));
            j.attribute("codegen_ms", number(res.first_call->codegen_ms));
            j.attribute("compile_ms", number(res.first_call->compile_ms));
          }
          j.attribute("min_ms", number(res.stats.min_s * 1e3));
          j.attribute("max_ms", number(res.stats.max_s * 1e3));
          j.attribute("reps", static_cast<int64_t>(res.stats.reps));
          j.attribute("calls", static_cast<int64_t>(res.stats.calls));
        });
      }
    });
    if (!r.load_starts.empty())
      j.attributeArray("loaded_first_calls", [&] {
        for (const LoadStart& l : r.load_starts)
          j.object([&] {
            j.attribute("workload", text(l.workload));
            if (!l.error.empty()) {
              j.attribute("error", text(l.error));
              return;
            }
            j.attribute("total_ms", number(l.total_ms));
            j.attribute("load_ms", number(l.load_ms));
            j.attribute("call_ms", number(l.call_ms));
          });
      });
    auto goal_list = goals(r);
    if (!goal_list.empty()) {
      j.attributeArray("goals", [&] {
        for (const Goal& g : goal_list)
          j.object([&] {
            j.attribute("goal", text(g.name));
            if (g.met) j.attribute("met", *g.met);
            if (g.value) j.attribute("value", number(*g.value));
            j.attribute("target", number(g.target));
            j.attribute("unit", text(g.unit));
            j.attribute("detail", text(g.detail));
          });
      });
    }
    if (!failed.empty()) {
      j.attributeArray("failures", [&] {
        for (const Result* f : failed)
          j.object([&] {
            j.attribute("workload", text(f->workload));
            j.attribute("mode", std::string(mode_name(f->mode)));
            j.attribute("error", text(f->error));
          });
      });
    }
  });
  os << "\n";
  return write_text_file(path, out, error);
}

bool write_text_file(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream file(path);
  file << text;
  file.close();
  if (!file) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace kiln_bench
