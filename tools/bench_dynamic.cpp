// W8: one MLP compiled with a dynamic batch against one static-shape compile per batch.
#include "bench_dynamic.h"

#include <cmath>
#include <memory>

#include "bench_check.h"
#include "bench_interleave.h"
#include "bench_mlp.h"
#include "bench_report.h"
#include "kiln/kiln.h"

namespace kiln_bench {
namespace {

using Tensors = std::vector<kiln::Tensor>;
constexpr int64_t kBatches[] = {1, 7, 64, 256};

Tensors probs(const Tensors& args) {
  return {mlp_probs(args[0], Tensors(args.begin() + 1, args.end()))};
}

}  // namespace

std::vector<DynamicBatchRow> measure_dynamic_batch(const TimingOptions& timing,
                                                   Progress& progress) {
  const Tensors params = mlp_init(MlpShape{}, 32);
  kiln::FunctionOptions dynamic_options;
  dynamic_options.name = "W8_dynamic";
  std::vector<kiln::TensorSpec> specs{{{-1, MlpShape{}.in}}};
  for (const kiln::Tensor& p : params) specs.push_back({kiln::Shape(p.shape()), p.dtype()});
  dynamic_options.input_signature = specs;
  auto dynamic = kiln::function(probs, dynamic_options);  // one function for every batch

  std::vector<DynamicBatchRow> rows;
  for (int64_t batch : kBatches) {
    DynamicBatchRow row;
    row.batch = batch;
    MlpShape shape;
    shape.batch = batch;
    Tensors args{mlp_input(shape, 31)};
    args.insert(args.end(), params.begin(), params.end());
    kiln::FunctionOptions static_options;
    static_options.name = "W8_static";
    auto fixed = kiln::function(probs, static_options);  // a fresh compile per batch
    try {
      progress.note("W8 batch " + std::to_string(batch) + " check");
      const Tensors want = probs(args);
      const std::string a = compare_results(fixed(args), want, 1e-5, 1e-6);
      const std::string b = compare_results(dynamic(args), want, 1e-5, 1e-6);
      row.error = !a.empty() ? "static jit: " + a : !b.empty() ? "dynamic jit: " + b : "";
    } catch (const std::exception& e) {
      row.error = std::string("threw: ") + e.what();
    }
    if (row.error.empty()) {
      const std::string label = "W8 batch " + std::to_string(batch);
      std::vector<Contender> c{{label + " eager", [&] { probs(args); }, {}, {}},
                               {label + " static jit", [&] { fixed(args); }, {}, {}},
                               {label + " dynamic jit", [&] { dynamic(args); }, {}, {}}};
      measure_interleaved(c, timing, progress);
      for (const Contender& k : c)
        if (!k.error.empty()) row.error = k.label + " threw: " + k.error;
      row.eager_ms = c[0].stats.median_s * 1e3;
      row.static_ms = c[1].stats.median_s * 1e3;
      row.dynamic_ms = c[2].stats.median_s * 1e3;
    }
    rows.push_back(row);
  }
  if (dynamic.trace_count() != 1)
    rows.back().error =
        "the dynamic function traced " + std::to_string(dynamic.trace_count()) + " times";
  return rows;
}

void print_dynamic_batch(const std::vector<DynamicBatchRow>& rows, std::FILE* out) {
  std::fprintf(out,
               "\nW8 %s (ms per call, medians, each batch's modes interleaved;\n"
               "static jit: a function compiled for that batch; dynamic jit: one function for\n"
               "all, input_signature (-1, 784)):\n"
               "batch     eager  static jit  dynamic jit  dynamic/static\n",
               kW8Title);
  for (const DynamicBatchRow& r : rows) {
    if (!r.error.empty()) {
      std::fprintf(out, "%5lld  failed: %s\n", static_cast<long long>(r.batch), r.error.c_str());
      continue;
    }
    std::fprintf(out, "%5lld  %8s  %10s  %11s  %13s\n", static_cast<long long>(r.batch),
                 num(r.eager_ms).c_str(), num(r.static_ms).c_str(), num(r.dynamic_ms).c_str(),
                 fmt("%.2f×", r.dynamic_ms / r.static_ms).c_str());
  }
  for (const DynamicBatchRow& r : rows) {
    const std::string name =
        "W8 batch " + std::to_string(r.batch) + " dynamic jit within 10% of static jit";
    if (!r.error.empty()) {
      std::fprintf(out, "  ✗ %s: failed\n", name.c_str());
      continue;
    }
    const double ratio = r.dynamic_ms / r.static_ms;
    std::fprintf(out, "  %s %s: %s (static %s, dynamic %s ms)\n", ratio <= 1.1 ? "✓" : "✗",
                 name.c_str(), fmt("%.2f×", ratio).c_str(), num(r.static_ms).c_str(),
                 num(r.dynamic_ms).c_str());
  }
}

}  // namespace kiln_bench
