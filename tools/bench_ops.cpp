#include "bench_ops.h"

#include <cmath>
#include <functional>
#include <regex>
#include <vector>

#include "bench_interleave.h"
#include "bench_report.h"
#include "runtime/binary_ops.h"
#include "runtime/op_list.h"
#include "runtime/unary_ops.h"

namespace kiln_bench {
namespace {

constexpr int64_t kElements = int64_t{1} << 20;
constexpr double kNoise = 0.03;  // ratios within 3% of 1 are a tie on a shared host

using Apply = std::function<kiln::Tensor(const std::vector<kiln::Tensor>&)>;

/// One op: how to apply it and what it takes.
struct OpRow {
  std::string name;
  kiln::rules::ElementwiseKind kind;
  int arity;
  Apply apply;
};

/// `body` compiled by kiln::function (one fused kernel: one loop over the elements).
template <int arity, class Body>
Apply compile(Body body) {
  using Fn = decltype(kiln::function(body));
  auto f = std::make_shared<Fn>(kiln::function(body));
  if constexpr (arity == 1)
    return [f](const std::vector<kiln::Tensor>& x) { return (*f)(x[0]); };
  else
    return [f](const std::vector<kiln::Tensor>& x) { return (*f)(x[0], x[1]); };
}

/// Ops whose domain is positive (log, sqrt, rsqrt; pow's base).
bool positive_domain(const std::string& name) {
  return name == "log" || name == "sqrt" || name == "rsqrt";
}

std::vector<OpRow> op_rows() {
  std::vector<OpRow> rows;
#define KILN_OPS_UNARY(name, family)                                  \
  rows.push_back({#name, kiln::UnaryOpDef<kiln::OpId::name>::kind, 1, \
                  [](const std::vector<kiln::Tensor>& x) { return kiln::name(x[0]); }});
  KILN_UNARY_OP_LIST(KILN_OPS_UNARY)
#undef KILN_OPS_UNARY
#define KILN_OPS_BINARY(name, family)                                  \
  rows.push_back({#name, kiln::BinaryOpDef<kiln::OpId::name>::kind, 2, \
                  [](const std::vector<kiln::Tensor>& x) { return kiln::name(x[0], x[1]); }});
  KILN_BINARY_OP_LIST(KILN_OPS_BINARY)
#undef KILN_OPS_BINARY
  return rows;
}

/// The op's operands: `dtype` (booleans for the logical ops) in its domain, on `device`.
std::vector<kiln::Tensor> operands(const OpRow& row, kiln::DType dtype, kiln::Device device) {
  std::vector<kiln::Tensor> in;
  for (int k = 0; k < row.arity; ++k) {
    const uint64_t seed = 17 + k;
    kiln::Tensor t;
    if (row.kind == kiln::rules::ElementwiseKind::logical)
      t = kiln::random_uniform({kElements}, seed) > 0.5f;
    else if (positive_domain(row.name) || (row.name == "pow" && k == 0) ||
             (row.name == "divide" && k == 1))
      t = kiln::random_uniform({kElements}, seed, 0.5f, 2.0f);
    else
      t = kiln::random_uniform({kElements}, seed, -2.0f, 2.0f);
    if (row.kind != kiln::rules::ElementwiseKind::logical) t = t.astype(dtype);
    in.push_back(device.kind == kiln::Device::cpu ? t : t.to(device));
  }
  return in;
}

}  // namespace

int run_ops(const std::string& filter, kiln::DType dtype, kiln::Device device,
            const TimingOptions& timing, Progress& progress, std::FILE* out) {
  const std::regex pattern(filter.empty() ? ".*" : filter, std::regex::icase);
  const bool cuda = device.kind != kiln::Device::cpu;
  struct Line {
    std::string name, eager, jit, ratio;
    bool slower = false;
  };
  std::vector<Line> lines;
  for (const OpRow& row : op_rows()) {
    if (!std::regex_search(row.name, pattern)) continue;
    // The boolean ops once, in the f32 table.
    if (row.kind == kiln::rules::ElementwiseKind::logical && dtype != kiln::DType::f32) continue;
    const std::vector<kiln::Tensor> in = operands(row, dtype, device);
    const Apply apply = row.apply;
    const Apply compiled = row.arity == 1
                               ? compile<1>([apply](kiln::Tensor x) { return apply({x}); })
                               : compile<2>([apply](kiln::Tensor x, kiln::Tensor y) {
                                   return apply({x, y});
                                 });
    auto sync = [cuda, device] {
      if (cuda) kiln::synchronize(device);
    };
    std::vector<Contender> contenders{{row.name + " eager",
                                       [&] {
                                         kiln::Tensor y = apply(in);
                                         sync();
                                       },
                                       {},
                                       ""},
                                      {row.name + " jit",
                                       [&] {
                                         kiln::Tensor y = compiled(in);
                                         sync();
                                       },
                                       {},
                                       ""}};
    measure_interleaved(contenders, timing, progress);
    Line line{row.name, "-", "-", "-"};
    auto per_element = [](const Contender& c) { return c.stats.median_s / kElements * 1e9; };
    if (contenders[0].error.empty()) line.eager = num(per_element(contenders[0]));
    if (contenders[1].error.empty()) line.jit = num(per_element(contenders[1]));
    if (contenders[0].error.empty() && contenders[1].error.empty()) {
      const double ratio = contenders[1].stats.median_s / contenders[0].stats.median_s;
      line.ratio = fmt("%.2f", ratio);
      line.slower = ratio > 1 + kNoise;
    } else {
      line.slower = true;
      line.ratio = contenders[0].error.empty() ? contenders[1].error : contenders[0].error;
    }
    lines.push_back(line);
  }
  progress.clear();
  std::fprintf(out, "\nelementwise ops, %s, %lld elements (%s%s), ns per element (median):\n",
               kiln::to_string(device).c_str(), static_cast<long long>(kElements),
               kiln::dtype_name(dtype).data(),
               dtype == kiln::DType::f32 ? "; booleans for logical ops" : "");
  std::fprintf(out, "  %-14s %9s %9s %10s\n", "op", "eager", "jit", "jit/eager");
  int slower = 0;
  std::string which;
  for (const Line& l : lines) {
    std::fprintf(out, "  %-14s %9s %9s %10s%s\n", l.name.c_str(), l.eager.c_str(), l.jit.c_str(),
                 l.ratio.c_str(), l.slower ? "  <- jit slower" : "");
    if (l.slower) {
      ++slower;
      which += (which.empty() ? "" : ", ") + l.name;
    }
  }
  std::fprintf(out,
               "goal (reported, not asserted):\n  %s jit no slower than eager for every op "
               "(±%.0f%%): %d of %zu%s%s\n",
               slower == 0 ? "✓" : "✗", 100 * kNoise, static_cast<int>(lines.size()) - slower,
               lines.size(), slower ? "; slower: " : "", which.c_str());
  return slower;
}

}  // namespace kiln_bench
