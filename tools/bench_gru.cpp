// C1's GRU rows: a GRU training step over T steps of kiln::for_range under a tape.
#include "bench_gru.h"

#include <algorithm>
#include <memory>

#include "bench_check.h"
#include "bench_report.h"
#include "bench_timing.h"
#include "kiln/kiln.h"

namespace kiln_bench {
namespace {

using kiln::Tensor;
using Tensors = std::vector<Tensor>;

constexpr int64_t kBatch = 16, kInput = 32, kHidden = 64, kOut = 8;
constexpr int64_t kSteps[] = {20, 80};
constexpr int kFreshFunctions = 3;  // the first call's figure is the median of these

/// The GRU's weights as variables (what a model holds), made from fixed seeds.
struct Gru {
  std::vector<std::unique_ptr<kiln::Variable>> w;  // Wz Wr Wn (I, H), Uz Ur Un (H, H), Wo (H, O)
  Gru() {
    uint64_t seed = 71;
    auto add = [&](kiln::Shape shape, double scale) {
      w.push_back(std::make_unique<kiln::Variable>(kiln::random_normal(std::move(shape), seed++) *
                                                   static_cast<float>(scale)));
    };
    for (int i = 0; i < 3; ++i) add({kInput, kHidden}, 0.2);
    for (int i = 0; i < 3; ++i) add({kHidden, kHidden}, 0.1);
    add({kHidden, kOut}, 0.2);
  }
  std::vector<kiln::Variable*> all() const {
    std::vector<kiln::Variable*> v;
    for (const auto& p : w) v.push_back(p.get());
    return v;
  }
};

/// One step: the loss of the last hidden state's projection against `target`, and its
/// gradients for every weight. xs is (T, batch, input).
Tensors gru_step(const Gru& g, int64_t steps, const Tensor& xs, const Tensor& target) {
  kiln::GradientTape tape;
  const auto& w = g.w;
  Tensor h0 = kiln::zeros({kBatch, kHidden});
  Tensor h =
      kiln::for_range(steps,
                      [&](const Tensor& i, const Tensors& c) {
                        Tensor x = kiln::gather(xs, i);
                        const Tensor& hp = c[0];
                        Tensor z = kiln::sigmoid(kiln::matmul(x, *w[0]) + kiln::matmul(hp, *w[3]));
                        Tensor r = kiln::sigmoid(kiln::matmul(x, *w[1]) + kiln::matmul(hp, *w[4]));
                        Tensor n = kiln::tanh(kiln::matmul(x, *w[2]) + kiln::matmul(r * hp, *w[5]));
                        return Tensors{(1.0f - z) * n + z * hp};
                      },
                      {h0})
          .at(0);
  Tensor err = kiln::matmul(h, *w[6]) - target;
  Tensor loss = kiln::mean(err * err);
  Tensors out{loss};
  Tensors grads = tape.gradient(loss, g.all());
  out.insert(out.end(), grads.begin(), grads.end());
  return out;
}

}  // namespace

std::vector<GruFirstCall> measure_gru_first_calls(Progress& progress) {
  Gru gru;
  std::vector<GruFirstCall> rows;
  for (int64_t steps : kSteps) {
    GruFirstCall row;
    row.steps = steps;
    const Tensor xs = kiln::random_normal({steps, kBatch, kInput}, 90);
    const Tensor target = kiln::random_normal({kBatch, kOut}, 91);
    auto body = [&gru, steps](Tensor x, Tensor y) { return gru_step(gru, steps, x, y); };
    try {
      progress.note("C1 GRU T=" + std::to_string(steps) + ": check");
      const Tensors want = body(xs, target);
      std::vector<FirstCall> calls;
      for (int k = 0; k < kFreshFunctions && row.error.empty(); ++k) {
        kiln::FunctionOptions options;
        options.name = "C1_gru";
        auto f = kiln::function(body, options);
        progress.note("C1 GRU T=" + std::to_string(steps) + ": first call");
        const double t0 = now_s();
        Tensors got = f(xs, target);
        const double ms = (now_s() - t0) * 1e3;
        const kiln::FunctionStats s = f.stats();
        calls.push_back(FirstCall{ms, s.trace_ms, s.optimize_ms, s.codegen_ms, s.compile_ms});
        row.error = compare_results(got, want, 1e-3, 1e-5);
        if (k == 0 && row.error.empty()) {
          std::vector<double> times;
          for (int c = 0; c < 7; ++c) {
            const double c0 = now_s();
            f(xs, target);
            times.push_back((now_s() - c0) * 1e3);
          }
          row.call_ms = median(times);
        }
      }
      if (row.error.empty()) {
        std::sort(calls.begin(), calls.end(), [](const FirstCall& a, const FirstCall& b) {
          return a.first_call_ms < b.first_call_ms;
        });
        const FirstCall& m = calls[calls.size() / 2];
        row.first_call_ms = m.first_call_ms;
        row.trace_ms = m.trace_ms;
        row.optimize_ms = m.optimize_ms;
        row.codegen_ms = m.codegen_ms;
      }
    } catch (const std::exception& e) {
      row.error = std::string("threw: ") + e.what();
    }
    rows.push_back(row);
  }
  return rows;
}

void print_gru_first_calls(const std::vector<GruFirstCall>& rows, std::FILE* out) {
  std::fprintf(out,
               "\nC1 %s (jit, ms; hidden %lld, batch %lld, input %lld; first call: median of %d\n"
               "fresh functions; a later call: median of 7):\n"
               "    T  first call  trace  optimize  codegen  a later call\n",
               kGruTitle, static_cast<long long>(kHidden), static_cast<long long>(kBatch),
               static_cast<long long>(kInput), kFreshFunctions);
  for (const GruFirstCall& r : rows) {
    if (!r.error.empty()) {
      std::fprintf(out, "%5lld  failed: %s\n", static_cast<long long>(r.steps), r.error.c_str());
      continue;
    }
    std::fprintf(out, "%5lld  %10s  %5s  %8s  %7s  %12s\n", static_cast<long long>(r.steps),
                 num(r.first_call_ms).c_str(), num(r.trace_ms).c_str(), num(r.optimize_ms).c_str(),
                 num(r.codegen_ms).c_str(), num(r.call_ms).c_str());
  }
  const std::string name = "C1 GRU T=80 first call within 20% of T=20";
  if (rows.size() != 2 || !rows[0].error.empty() || !rows[1].error.empty()) {
    std::fprintf(out, "  ✗ %s: failed\n", name.c_str());
    return;
  }
  const double ratio = rows[1].first_call_ms / rows[0].first_call_ms;
  std::fprintf(out, "  %s %s: %s (T=20 %s, T=80 %s ms)\n", ratio <= 1.2 ? "✓" : "✗", name.c_str(),
               fmt("%.2f×", ratio).c_str(), num(rows[0].first_call_ms).c_str(),
               num(rows[1].first_call_ms).c_str());
}

}  // namespace kiln_bench
