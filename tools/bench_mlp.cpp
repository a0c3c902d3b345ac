#include "bench_mlp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench_check.h"

namespace kiln_bench {

using kiln::Tensor;

std::vector<Tensor> mlp_init(const MlpShape& s, uint64_t seed) {
  auto weight = [&](int64_t fan_in, int64_t fan_out, uint64_t k) {
    float a = 1.0f / std::sqrt(static_cast<float>(fan_in));
    return kiln::random_uniform({fan_in, fan_out}, seed + k, -a, a);
  };
  auto bias = [&](int64_t n, uint64_t k) {
    return kiln::random_uniform({n}, seed + k, -0.1f, 0.1f);
  };
  return {weight(s.in, s.h1, 1), bias(s.h1, 2),          weight(s.h1, s.h2, 3),
          bias(s.h2, 4),         weight(s.h2, s.out, 5), bias(s.out, 6)};
}

Tensor mlp_input(const MlpShape& s, uint64_t seed) {
  return kiln::random_uniform({s.batch, s.in}, seed);
}

Tensor mlp_labels(const MlpShape& s, uint64_t seed) {
  std::vector<int64_t> labels(static_cast<size_t>(s.batch));
  uint64_t state = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (auto& label : labels) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    label = static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(s.out));
  }
  return Tensor::from(labels, {s.batch});
}

Tensor mlp_probs(const Tensor& x, const std::vector<Tensor>& p) {
  Tensor h1 = kiln::relu(kiln::matmul(x, p[0]) + p[1]);
  Tensor h2 = kiln::relu(kiln::matmul(h1, p[2]) + p[3]);
  return kiln::softmax(kiln::matmul(h2, p[4]) + p[5], 1);
}

Tensor mlp_loss(const Tensor& x, const Tensor& labels, const std::vector<Tensor>& p) {
  Tensor h1 = kiln::relu(kiln::matmul(x, p[0]) + p[1]);
  Tensor h2 = kiln::relu(kiln::matmul(h1, p[2]) + p[3]);
  return kiln::mean(kiln::softmax_cross_entropy(kiln::matmul(h2, p[4]) + p[5], labels));
}

std::vector<Tensor> mlp_loss_and_grads(const Tensor& x, const Tensor& labels,
                                       const std::vector<Tensor>& p) {
  kiln::GradientTape tape;
  for (const Tensor& t : p) tape.watch(t);
  Tensor loss = mlp_loss(x, labels, p);
  std::vector<Tensor> out{loss};
  for (Tensor& g : tape.gradient(loss, p)) out.push_back(std::move(g));
  return out;
}

MlpTrainer::MlpTrainer(const std::vector<Tensor>& init, double lr) : sgd(lr) {
  static const char* names[] = {"w1", "b1", "w2", "b2", "w3", "b3"};
  for (size_t k = 0; k < init.size(); ++k)
    params.push_back(std::make_unique<kiln::Variable>(init[k], names[k % 6]));
}

std::vector<kiln::Variable*> MlpTrainer::variables() {
  std::vector<kiln::Variable*> out;
  for (auto& v : params) out.push_back(v.get());
  return out;
}

std::vector<Tensor> MlpTrainer::step(const Tensor& x, const Tensor& labels) {
  auto vars = variables();
  Tensor loss;
  std::vector<Tensor> grads;
  {  // the tape ends before the update, like tf's `with GradientTape()` block
    kiln::GradientTape tape;
    std::vector<Tensor> values;
    for (auto* v : vars) values.push_back(v->value());
    loss = mlp_loss(x, labels, values);
    grads = tape.gradient(loss, vars);
  }
  sgd.apply(grads, vars);
  std::vector<Tensor> out{loss};
  for (auto* v : vars) out.push_back(v->value());  // a read after the step's writes
  return out;
}

namespace {

// One row through the host f64 network: the logits.
std::vector<double> host_logits(const MlpShape& s, const double* x,
                                const std::vector<std::vector<double>>& p) {
  auto layer = [](const std::vector<double>& in, const std::vector<double>& w,
                  const std::vector<double>& b, int64_t n_in, int64_t n_out, bool relu) {
    std::vector<double> out(b.begin(), b.end());
    for (int64_t i = 0; i < n_in; ++i) {
      double v = in[static_cast<size_t>(i)];
      const double* row = w.data() + i * n_out;
      for (int64_t j = 0; j < n_out; ++j) out[static_cast<size_t>(j)] += v * row[j];
    }
    if (relu)
      for (auto& v : out) v = std::max(v, 0.0);
    return out;
  };
  std::vector<double> in(x, x + s.in);
  auto a1 = layer(in, p[0], p[1], s.in, s.h1, true);
  auto a2 = layer(a1, p[2], p[3], s.h1, s.h2, true);
  return layer(a2, p[4], p[5], s.h2, s.out, false);
}

}  // namespace

std::vector<double> host_mlp_probs(const MlpShape& s, const std::vector<double>& x,
                                   const std::vector<std::vector<double>>& p,
                                   const std::vector<int64_t>& rows) {
  std::vector<double> out;
  for (int64_t r : rows) {
    auto logits = host_logits(s, x.data() + r * s.in, p);
    double m = *std::max_element(logits.begin(), logits.end()), total = 0;
    for (auto& v : logits) total += (v = std::exp(v - m));
    for (auto v : logits) out.push_back(v / total);
  }
  return out;
}

double host_mlp_loss(const MlpShape& s, const std::vector<double>& x,
                     const std::vector<int64_t>& labels,
                     const std::vector<std::vector<double>>& p) {
  double loss = 0;
  for (int64_t r = 0; r < s.batch; ++r) {
    auto logits = host_logits(s, x.data() + r * s.in, p);
    double m = *std::max_element(logits.begin(), logits.end()), total = 0;
    for (auto v : logits) total += std::exp(v - m);
    loss += m + std::log(total) - logits[static_cast<size_t>(labels[static_cast<size_t>(r)])];
  }
  return loss / static_cast<double>(s.batch);
}

std::string mlp_selfcheck(std::string* report, kiln::Device device) {
  const MlpShape s{4, 6, 5, 5, 3};
  // Inputs in [-1, 1) so that both sides of every relu occur.
  Tensor x = kiln::random_uniform({s.batch, s.in}, 901, -1.0f, 1.0f).to(device);
  Tensor labels = mlp_labels(s, 902).to(device);
  auto params = on_device(mlp_init(s, 903), device);
  auto grads = mlp_loss_and_grads(x, labels, params);

  auto hx = host(x);
  auto hl = labels.to_vector<int64_t>();
  std::vector<std::vector<double>> hp;
  for (auto& p : params) hp.push_back(host(p));

  static const char* names[] = {"w1", "b1", "w2", "b2", "w3", "b3"};
  const double h = 1e-5;
  double worst = 0;
  int checked = 0;
  std::string failure;
  std::string loss_check =
      compare_values({grads[0].item<double>()}, {host_mlp_loss(s, hx, hl, hp)}, 1e-5, 1e-6, "loss");
  if (!loss_check.empty()) failure = loss_check;
  for (size_t k = 0; k < hp.size() && failure.empty(); ++k) {
    auto analytic = host(grads[k + 1]);
    for (size_t i = 0; i < hp[k].size(); ++i) {
      double saved = hp[k][i];
      hp[k][i] = saved + h;
      double up = host_mlp_loss(s, hx, hl, hp);
      hp[k][i] = saved - h;
      double down = host_mlp_loss(s, hx, hl, hp);
      hp[k][i] = saved;
      double numeric = (up - down) / (2 * h);
      double err = std::fabs(analytic[i] - numeric) / std::max(1e-3, std::fabs(numeric));
      worst = std::max(worst, err);
      ++checked;
      if (!(err <= 1e-3)) {  // f32 gradients against an f64 loss
        char buf[200];
        std::snprintf(buf, sizeof buf, "d loss / d %s[%zu]: tape %.7g, finite differences %.7g",
                      names[k], i, analytic[i], numeric);
        failure = buf;
        break;
      }
    }
  }
  // On the CPU the line reads as it always has; elsewhere it names the device.
  std::string where =
      device.kind == kiln::Device::cpu ? "" : " (on " + kiln::to_string(device) + ")";
  char buf[240];
  std::snprintf(
      buf, sizeof buf,
      "W4 tape gradients vs central differences%s: %d entries, worst relative error %.2g: %s",
      where.c_str(), checked, worst, failure.empty() ? "ok" : "FAILED");
  if (report) *report = buf;
  return failure;
}

}  // namespace kiln_bench
