#include "bench_report.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace kiln_bench {

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

void print_row(std::FILE* out, const std::vector<Column>& cols, const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) line += "  ";
    line += pad(cells[i], cols[i].w, cols[i].right);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(out, "%s\n", line.c_str());
}

std::string check_mark(bool ok) { return ok ? "✓" : "✗"; }

void print_goals(const Report& r, std::FILE* out) {
  if (!r.roofline) return;
  const Roofline& f = *r.roofline;
  std::fprintf(out, "\nroofline (%d threads):\n", r.threads);
  std::fprintf(out, "  memory copy      %7s GB/s   (256 MiB arrays, read + written, median of 11)\n",
               num(f.copy_gbs).c_str());
  std::fprintf(out, "  memory triad     %7s GB/s   (a = b + s*c)\n", num(f.triad_gbs).c_str());
  std::fprintf(out, "  OpenBLAS sgemm   %7s GFLOP/s (2048^3, timed like a workload)\n", num(f.sgemm_gflops).c_str());
  std::fprintf(out, "  OpenBLAS sgemm   %7s GFLOP/s (1024^3 = W6's shape)\n", num(f.sgemm_w6_gflops).c_str());
  std::fprintf(out, "  eager add  16M   %7s GB/s   (12 B/element) = %3.0f%% of copy\n",
               num(f.eager_add_gbs).c_str(), 100 * f.eager_add_gbs / f.copy_gbs);
  std::fprintf(out, "  eager tanh 16M   %7s GB/s   ( 8 B/element) = %3.0f%% of copy\n",
               num(f.eager_tanh_gbs).c_str(), 100 * f.eager_tanh_gbs / f.copy_gbs);
  std::fprintf(out, "goals (reported, not asserted):\n");
  double add = f.eager_add_gbs / f.copy_gbs, tanh = f.eager_tanh_gbs / f.copy_gbs;
  std::fprintf(out, "  %s eager add  >= 70%% of copy bandwidth: %.0f%%\n", check_mark(add >= 0.7).c_str(), 100 * add);
  std::fprintf(out, "  %s eager tanh >= 70%% of copy bandwidth: %.0f%%\n", check_mark(tanh >= 0.7).c_str(), 100 * tanh);
  const Result* w6 = find(r, "W6", Mode::eager);
  if (w6 && w6->error.empty() && w6->gflops) {
    double ratio = *w6->gflops / f.sgemm_w6_gflops;
    std::fprintf(out, "  %s W6 eager  >= 90%% of OpenBLAS sgemm at 1024^3: %.0f%% (%s of %s GFLOP/s)\n",
                 check_mark(ratio >= 0.9).c_str(), 100 * ratio, num(*w6->gflops).c_str(),
                 num(f.sgemm_w6_gflops).c_str());
  }
  for (const char* id : {"W2", "W5"}) {
    const Result* res = find(r, id, Mode::eager);
    if (res && res->error.empty() && res->gbs)
      std::fprintf(out, "  (%s eager moves %s GB/s = %.0f%% of copy bandwidth)\n", id,
                   num(*res->gbs).c_str(), 100 * *res->gbs / f.copy_gbs);
  }
}

}  // namespace

void print_report(const Report& r, std::FILE* out) {
  std::fprintf(out, "kiln-bench — cpu: %s; threads: %d; device: %s\n", r.cpu.c_str(), r.threads,
               r.device.c_str());
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
        if (!res) cells.push_back(kDash);
        else if (!res->error.empty()) cells.push_back("FAILED");
        else cells.push_back(num(in_unit(w, res->stats.median_s)));
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
    std::fprintf(out, "\nmedian time per call (unit per row), speedup over eager, effective rate:\n");
    print_row(out, cols, heads);
    size_t total = 0;
    for (auto& c : cols) total += c.w + 2;
    std::fprintf(out, "%s\n", std::string(total - 2, '-').c_str());
    for (auto& row : rows) print_row(out, cols, row);

    // C1: first-call cost of the compiled modes (not applicable to eager).
    for (const char* id : {"W1", "W3", "W4"}) {
      std::string line;
      for (Mode m : kAllModes) {
        const Result* res = find(r, id, m);
        if (!res || !res->first_call) continue;
        line += "  " + std::string(mode_name(m)) + " " + num(res->first_call->first_call_ms) + " ms";
      }
      if (!line.empty()) std::fprintf(out, "C1 first call of %s:%s\n", id, line.c_str());
    }
  }
  for (auto& f : failures) std::fprintf(out, "FAILED %s\n", f.c_str());
  print_goals(r, out);
}

namespace {

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) o += fmt("\\u%04x", static_cast<unsigned char>(c));
        else o += c;
    }
  }
  return o + "\"";
}

std::string json_num(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt("%.6g", v);
}

}  // namespace

bool write_json(const Report& r, const std::string& path, std::string* error) {
  std::ostringstream j;
  j << "{\n  \"machine\": {\"cpu\": " << json_string(r.cpu) << ", \"threads\": " << r.threads
    << ", \"device\": " << json_string(r.device) << "},\n";
  if (r.roofline) {
    const Roofline& f = *r.roofline;
    j << "  \"roofline\": {\"copy_gbs\": " << json_num(f.copy_gbs)
      << ", \"sgemm_gflops\": " << json_num(f.sgemm_gflops)
      << ", \"sgemm_w6_gflops\": " << json_num(f.sgemm_w6_gflops)
      << ", \"eager_add_gbs\": " << json_num(f.eager_add_gbs)
      << ", \"eager_tanh_gbs\": " << json_num(f.eager_tanh_gbs)
      << ", \"triad_gbs\": " << json_num(f.triad_gbs) << "},\n";
  }
  j << "  \"results\": [";
  bool first = true;
  std::vector<const Result*> failed;
  for (auto& res : r.results) {
    if (!res.error.empty()) {
      failed.push_back(&res);
      continue;
    }
    j << (first ? "\n" : ",\n") << "    {\"workload\": " << json_string(res.workload)
      << ", \"mode\": " << json_string(std::string(mode_name(res.mode)))
      << ", \"device\": " << json_string(res.device)
      << ", \"median_ms\": " << json_num(res.stats.median_s * 1e3);
    if (res.speedup_vs_eager) j << ", \"speedup_vs_eager\": " << json_num(*res.speedup_vs_eager);
    if (res.gbs) j << ", \"gbs\": " << json_num(*res.gbs);
    if (res.gflops) j << ", \"gflops\": " << json_num(*res.gflops);
    if (res.first_call) {
      j << ", \"first_call_ms\": " << json_num(res.first_call->first_call_ms)
        << ", \"trace_ms\": " << json_num(res.first_call->trace_ms)
        << ", \"optimize_ms\": " << json_num(res.first_call->optimize_ms)
        << ", \"codegen_ms\": " << json_num(res.first_call->codegen_ms);
    }
    j << ", \"min_ms\": " << json_num(res.stats.min_s * 1e3)
      << ", \"max_ms\": " << json_num(res.stats.max_s * 1e3) << ", \"reps\": " << res.stats.reps
      << ", \"calls\": " << res.stats.calls << "}";
    first = false;
  }
  j << (first ? "]" : "\n  ]");
  if (!failed.empty()) {
    j << ",\n  \"failures\": [";
    for (size_t i = 0; i < failed.size(); ++i) {
      j << (i ? ",\n" : "\n") << "    {\"workload\": " << json_string(failed[i]->workload)
        << ", \"mode\": " << json_string(std::string(mode_name(failed[i]->mode)))
        << ", \"error\": " << json_string(failed[i]->error) << "}";
    }
    j << "\n  ]";
  }
  j << "\n}\n";
  std::ofstream file(path);
  file << j.str();
  file.close();
  if (!file) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace kiln_bench
