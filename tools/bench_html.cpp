#include "bench_html.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "html_text.h"

namespace kiln_bench {
namespace {

// The best peer of each workload in WORKLOADS.md ("Reference points"), in the workload's
// unit. They were measured on another machine of this kind (AMD EPYC Zen 5, 2 threads): the
// page says so beside them.
struct Peer {
  const char* id;
  double value;
  const char* who;
};
constexpr Peer kPeers[] = {
    {"W1", 1.6, "Eigen 3.4"},
    {"W2", 1.27, "hand-fused C++"},
    {"W3", 0.260, "hand C++ + OpenBLAS"},
    {"W4", 0.566, "hand C++ + OpenBLAS"},
    {"W5", 2.0, "hand C++"},
    {"W6", 4.62, "libtorch"},
    {"W7", 2.39, "libtorch addmm+relu"},
};

const Peer* peer_of(const std::string& id) {
  for (const Peer& p : kPeers)
    if (id == p.id) return &p;
  return nullptr;
}

std::string escaped(const std::string& s) { return kiln::tools::html_escaped(s); }

const char* kModeColor[] = {"#8da0b8", "#4f7cac", "#1f4e79"};  // eager, graph, jit
const char* kPeerColor = "#c9892b";

/// A horizontal bar chart: one bar per (label, value, colour), values printed at the bars.
std::string bar_chart(const std::vector<std::tuple<std::string, double, std::string>>& bars,
                      const std::string& unit) {
  double top = 0;
  for (auto& [label, v, colour] : bars) top = std::max(top, v);
  if (top <= 0) top = 1;
  const int row = 22, label_w = 150, bar_w = 360, width = label_w + bar_w + 110;
  const int height = static_cast<int>(bars.size()) * row + 6;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" role=\"img\">";
  int y = 3;
  for (auto& [label, v, colour] : bars) {
    const double w = std::max(1.0, bar_w * v / top);
    svg << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 15
        << "\" text-anchor=\"end\" font-size=\"12\">" << escaped(label) << "</text>"
        << "<rect x=\"" << label_w << "\" y=\"" << y + 2 << "\" width=\"" << w << "\" height=\""
        << row - 6 << "\" fill=\"" << colour << "\"><title>" << escaped(label) << ": " << num(v)
        << " " << escaped(unit) << "</title></rect>"
        << "<text x=\"" << label_w + w + 5 << "\" y=\"" << y + 15 << "\" font-size=\"12\">"
        << num(v) << " " << escaped(unit) << "</text>";
    y += row;
  }
  svg << "</svg>";
  return svg.str();
}

/// One stacked bar per row: the phases of a first call.
std::string stacked_chart(const std::vector<std::pair<std::string, FirstCall>>& rows) {
  double top = 0;
  for (auto& [label, c] : rows) top = std::max(top, c.first_call_ms);
  if (top <= 0) top = 1;
  const char* names[] = {"trace", "optimize", "codegen", "rest of the compile", "first run"};
  const char* colours[] = {"#6b8e23", "#4f7cac", "#1f4e79", "#8da0b8", "#c9892b"};
  const int row = 24, label_w = 150, bar_w = 420, width = label_w + bar_w + 90;
  const int height = static_cast<int>(rows.size()) * row + 30;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" role=\"img\">";
  int y = 3;
  for (auto& [label, c] : rows) {
    const double rest = std::max(0.0, c.compile_ms - c.optimize_ms - c.codegen_ms);
    const double run = std::max(0.0, c.first_call_ms - c.trace_ms - c.compile_ms);
    const double parts[] = {c.trace_ms, c.optimize_ms, c.codegen_ms, rest, run};
    svg << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 16
        << "\" text-anchor=\"end\" font-size=\"12\">" << escaped(label) << "</text>";
    double x = label_w;
    for (int k = 0; k < 5; ++k) {
      const double w = bar_w * parts[k] / top;
      if (w <= 0) continue;
      svg << "<rect x=\"" << x << "\" y=\"" << y + 3 << "\" width=\"" << w << "\" height=\""
          << row - 7 << "\" fill=\"" << colours[k] << "\"><title>" << names[k] << ": "
          << num(parts[k]) << " ms</title></rect>";
      x += w;
    }
    svg << "<text x=\"" << x + 5 << "\" y=\"" << y + 16 << "\" font-size=\"12\">"
        << num(c.first_call_ms) << " ms</text>";
    y += row;
  }
  double x = label_w;
  for (int k = 0; k < 5; ++k) {
    svg << "<rect x=\"" << x << "\" y=\"" << y + 8 << "\" width=\"10\" height=\"10\" fill=\""
        << colours[k] << "\"/><text x=\"" << x + 14 << "\" y=\"" << y + 17 << "\" font-size=\"11\">"
        << names[k] << "</text>";
    x += 14 + 7.0 * static_cast<double>(std::string(names[k]).size()) + 14;
  }
  svg << "</svg>";
  return svg.str();
}

double in_unit(const Workload& w, double seconds) {
  return w.unit == TimeUnit::us ? seconds * 1e6 : seconds * 1e3;
}

}  // namespace

bool write_html(const Report& r, const std::string& path, std::string* error) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<title>kiln-bench</title>\n<style>\n"
       "body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #1d2733; }\n"
       "table { border-collapse: collapse; font-size: 13px; }\n"
       "td, th { border: 1px solid #d4dae3; padding: 3px 8px; text-align: right; }\n"
       "td:first-child, th:first-child { text-align: left; }\n"
       ".chart { margin: 0.3em 0 1.2em 0; }\n .note { color: #5b6b7f; font-size: 12px; }\n"
       "</style>\n</head>\n<body>\n<h1>kiln-bench</h1>\n";
  h << "<p>" << escaped(r.cpu) << ", " << r.threads << " threads, OpenBLAS core "
    << escaped(r.blas_core) << ", device " << escaped(kiln::to_string(r.device));
  if (!r.device_name.empty()) h << " (" << escaped(r.device_name) << ")";
  h << "</p>\n";
  if (!r.blas_warning.empty()) h << "<p class=\"note\">" << escaped(r.blas_warning) << "</p>\n";

  // The table: a row per workload, medians per mode.
  std::map<std::pair<std::string, Mode>, const Result*> by;
  for (const Result& res : r.results) by[{res.workload, res.mode}] = &res;
  h << "<h2>Medians</h2>\n<table>\n<tr><th>workload</th><th>unit</th><th>eager</th>"
       "<th>graph</th><th>jit</th><th>jit vs eager</th><th>best peer</th></tr>\n";
  for (const Workload& w : r.workloads) {
    h << "<tr><td>" << escaped(w.id) << " " << escaped(w.title) << "</td><td>"
      << escaped(w.unit_label) << "</td>";
    for (Mode m : kAllModes) {
      auto it = by.find({w.id, m});
      h << "<td>";
      if (it == by.end())
        h << "&mdash;";
      else if (!it->second->error.empty())
        h << "failed";
      else
        h << num(in_unit(w, it->second->stats.median_s));
      h << "</td>";
    }
    auto jit = by.find({w.id, Mode::jit});
    h << "<td>";
    if (jit != by.end() && jit->second->speedup_vs_eager)
      h << num(*jit->second->speedup_vs_eager) << "&times;";
    h << "</td><td>";
    if (const Peer* p = peer_of(w.id)) h << num(p->value) << " (" << escaped(p->who) << ")";
    h << "</td></tr>\n";
  }
  h << "</table>\n<p class=\"note\">Best peer figures: ../shared/WORKLOADS.md, measured on an "
       "AMD EPYC Zen 5 with 2 threads; compare them only with runs on such a machine.</p>\n";

  // A chart per workload.
  h << "<h2>Eager, graph and jit against the best peer</h2>\n";
  for (const Workload& w : r.workloads) {
    std::vector<std::tuple<std::string, double, std::string>> bars;
    for (Mode m : kAllModes) {
      auto it = by.find({w.id, m});
      if (it == by.end() || !it->second->error.empty()) continue;
      bars.emplace_back(std::string(mode_name(m)), in_unit(w, it->second->stats.median_s),
                        kModeColor[static_cast<int>(m)]);
    }
    if (const Peer* p = peer_of(w.id)) bars.emplace_back(p->who, p->value, kPeerColor);
    if (bars.empty()) continue;
    h << "<h3>" << escaped(w.id) << " " << escaped(w.title) << "</h3>\n<div class=\"chart\">"
      << bar_chart(bars, w.unit_label) << "</div>\n";
  }

  if (r.roofline) {
    const Roofline& f = *r.roofline;
    h << "<h2>Roofline (this machine, this run)</h2>\n<div class=\"chart\">"
      << bar_chart({{"copy", f.copy_gbs, "#8da0b8"},
                    {"copy, streaming", f.stream_copy_gbs, "#4f7cac"},
                    {"3 read 1 write, streaming", f.stream_3r1w_gbs, "#1f4e79"},
                    {"triad", f.triad_gbs, "#8da0b8"},
                    {"eager add", f.eager_add_gbs, kModeColor[0]},
                    {"eager tanh", f.eager_tanh_gbs, kModeColor[0]}},
                   "GB/s")
      << "</div>\n<div class=\"chart\">"
      << bar_chart({{"sgemm 2048^3", f.sgemm_gflops, "#1f4e79"},
                    {"sgemm 1024^3 (W6)", f.sgemm_w6_gflops, "#4f7cac"}},
                   "GFLOP/s")
      << "</div>\n";
  }

  std::vector<std::pair<std::string, FirstCall>> firsts;
  for (const Result& res : r.results)
    if (res.first_call && res.error.empty())
      firsts.emplace_back(res.workload + " " + std::string(mode_name(res.mode)), *res.first_call);
  if (!firsts.empty())
    h << "<h2>C1: first calls</h2>\n<div class=\"chart\">" << stacked_chart(firsts) << "</div>\n";

  auto goal_list = goals(r);
  if (!goal_list.empty()) {
    h << "<h2>Goals</h2>\n<table>\n<tr><th>goal</th><th>met</th><th>value</th><th>target</th>"
         "<th>detail</th></tr>\n";
    for (const Goal& g : goal_list)
      h << "<tr><td>" << escaped(g.name) << "</td><td>" << (g.met ? (*g.met ? "yes" : "no") : "?")
        << "</td><td>" << (g.value ? num(*g.value) : std::string("&mdash;")) << " "
        << escaped(g.unit) << "</td><td>" << num(g.target) << "</td><td>" << escaped(g.detail)
        << "</td></tr>\n";
    h << "</table>\n";
  }
  for (const Result& res : r.results)
    if (!res.error.empty())
      h << "<p>FAILED " << escaped(res.workload) << " " << mode_name(res.mode) << ": "
        << escaped(res.error) << "</p>\n";
  h << "</body>\n</html>\n";

  return write_text_file(path, h.str(), error);
}

}  // namespace kiln_bench
