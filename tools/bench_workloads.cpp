#include "bench_workloads.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bench_check.h"
#include "bench_mlp.h"

namespace kiln_bench {

using kiln::Tensor;
using Tensors = std::vector<Tensor>;

namespace {

// ---- Reference helpers -------------------------------------------------------------------

double gelu_tanh_ref(double v) {
  return 0.5 * v * (1 + std::tanh(0.7978845608 * (v + 0.044715 * v * v * v)));
}

Tensor gelu_tanh(const Tensor& v) {
  return 0.5f * v * (1.0f + kiln::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
}

// `count` indices spread over [0, n), including the first and the last.
std::vector<int64_t> spread(int64_t n, int count) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(i * (n - 1) / std::max(1, count - 1));
  return out;
}

// C = A(M,K) @ B(K,N) (+ bias, relu) at a few (i, j), each in f64, checked with a
// tolerance scaled by sum |a_ik b_kj| (f32 accumulation error grows with K).
std::string check_matmul(const Tensor& a, const Tensor& b, const Tensor* bias, bool relu,
                         const Tensor& c) {
  const int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
  if (c.shape() != kiln::Shape{m, n}) return "result shape " + kiln::shape_str(c.shape());
  auto ha = host(a), hb = host(b), hc = host(c);
  std::vector<double> hbias = bias ? host(*bias) : std::vector<double>();
  auto rows = spread(m, 5), cols = spread(n, 5);
  for (int64_t i : rows) {
    for (int64_t j : cols) {
      double dot = 0, mag = 0;
      for (int64_t p = 0; p < k; ++p) {
        double t = ha[i * k + p] * hb[p * n + j];
        dot += t;
        mag += std::fabs(t);
      }
      if (bias) dot += hbias[j];
      if (relu) dot = std::max(dot, 0.0);
      auto msg = compare_values({hc[i * n + j]}, {dot}, 0, 1e-5 * mag + 1e-6,
                                "C[" + std::to_string(i) + "," + std::to_string(j) + "]");
      if (!msg.empty()) return msg;
    }
  }
  return "";
}

// ---- W0–W7 -------------------------------------------------------------------------------

Workload workload(std::string id, std::string title, TimeUnit unit, std::string unit_label) {
  Workload w;
  w.id = std::move(id);
  w.title = std::move(title);
  w.unit = unit;
  w.unit_label = std::move(unit_label);
  return w;
}

Instance instance(Tensors inputs, Body body) {
  Instance i;
  i.inputs = std::move(inputs);
  i.body = std::move(body);
  return i;
}

Workload w0() {
  Workload w = workload("W0", "call overhead: x + 1, 1 element", TimeUnit::us, "µs");
  w.make = [](kiln::Device device) {
    return instance(on_device({kiln::random_uniform({1}, 1)}, device),
                    [](const Tensors& in) { return Tensors{in[0] + 1.0f}; });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    float x = in[0].to_vector<float>()[0];
    return compare_tensors(out[0], Tensor::from(std::vector<float>{x + 1.0f}, {1}), 0, 0, "x+1");
  };
  return w;
}

Workload w1() {
  Workload w = workload("W1", "small ops: 16x16, 50x tanh(x*1.01+0.1)", TimeUnit::us, "µs/call");
  w.make = [](kiln::Device device) {
    return instance(on_device({kiln::random_uniform({16, 16}, 11, -1.0f, 1.0f)}, device),
                    [](const Tensors& in) {
                      Tensor x = in[0];
                      for (int i = 0; i < 50; ++i) x = kiln::tanh(x * 1.01f + 0.1f);
                      return Tensors{x};
                    });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    auto x = host(in[0]);
    for (int i = 0; i < 50; ++i)
      for (auto& v : x) v = std::tanh(v * 1.01 + 0.1);
    return compare_values(host(out[0]), x, 1e-4, 1e-5, "W1");
  };
  return w;
}

Workload w2() {
  constexpr int64_t n = 4194304;
  Workload w = workload("W2", "fused elementwise: gelu_tanh(x*w+b), 4M", TimeUnit::ms, "ms");
  w.bytes_per_call = 16.0 * n;
  w.make = [](kiln::Device device) {
    return instance(
        on_device({kiln::random_normal({n}, 21), kiln::random_uniform({n}, 22, 0.5f, 1.5f),
                   kiln::random_uniform({n}, 23, -0.5f, 0.5f)},
                  device),
        [](const Tensors& in) { return Tensors{gelu_tanh(in[0] * in[1] + in[2])}; });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    if (out[0].shape() != kiln::Shape{n}) return "result shape " + kiln::shape_str(out[0].shape());
    Tensor hx = on_host(in[0]), hw = on_host(in[1]), hb = on_host(in[2]), hy = on_host(out[0]);
    const float *x = hx.data_as<float>(), *wt = hw.data_as<float>(), *b = hb.data_as<float>(),
                *y = hy.data_as<float>();
    std::vector<double> got, want;
    for (int64_t i : spread(n, 257)) {
      got.push_back(y[i]);
      want.push_back(gelu_tanh_ref(static_cast<double>(x[i]) * wt[i] + b[i]));
    }
    return compare_values(got, want, 2e-5, 2e-6, "gelu_tanh");
  };
  return w;
}

Workload w3() {
  Workload w = workload("W3", "MLP inference 64x784, 784-512-512-10", TimeUnit::ms, "ms");
  w.make = [](kiln::Device device) {
    MlpShape s;
    Tensors in{mlp_input(s, 31)};
    for (auto& p : mlp_init(s, 32)) in.push_back(p);
    return instance(on_device(in, device), [](const Tensors& args) {
      return Tensors{mlp_probs(args[0], Tensors(args.begin() + 1, args.end()))};
    });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    MlpShape s;
    std::vector<std::vector<double>> params;
    for (size_t i = 1; i < in.size(); ++i) params.push_back(host(in[i]));
    std::vector<int64_t> rows{0, 31, 63};
    auto want = host_mlp_probs(s, host(in[0]), params, rows);
    auto all = host(out[0]);
    std::vector<double> got;
    for (int64_t r : rows)
      for (int64_t j = 0; j < s.out; ++j) got.push_back(all[r * s.out + j]);
    return compare_values(got, want, 1e-4, 1e-6, "softmax probabilities");
  };
  return w;
}

Workload w4() {
  Workload w = workload("W4", "MLP training step (GradientTape), SGD", TimeUnit::ms, "ms");
  w.make = [](kiln::Device device) {
    MlpShape s;
    // The weights live in variables: each mode's instance has its own, and the SGD step
    // writes them (graph effects when compiled), so no state is carried through outputs.
    // The variables are made from tensors on the device, so their values live there.
    auto trainer = std::make_shared<MlpTrainer>(on_device(mlp_init(s, 43), device), 0.01);
    return instance(on_device({mlp_input(s, 41), mlp_labels(s, 42)}, device),
                    [trainer](const Tensors& args) { return trainer->step(args[0], args[1]); });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    MlpShape s;
    auto x = host(in[0]);
    auto labels = in[1].to_vector<int64_t>();
    std::vector<std::vector<double>> before, after;
    for (auto& p : mlp_init(s, 43)) before.push_back(host(p));  // what make() started from
    for (size_t k = 0; k < 6; ++k) after.push_back(host(out[k + 1]));
    double loss = host_mlp_loss(s, x, labels, before);
    auto msg = compare_values({out[0].item<double>()}, {loss}, 1e-5, 1e-6, "loss");
    if (!msg.empty()) return msg;
    double loss_after = host_mlp_loss(s, x, labels, after);
    if (!(loss_after < loss)) {
      return "the SGD step did not lower the loss: " + std::to_string(loss) + " -> " +
             std::to_string(loss_after);
    }
    return std::string();
  };
  w.rtol = 1e-3;  // a chain of three matmuls forward and back
  w.atol = 1e-5;
  return w;
}

Workload w5() {
  constexpr int64_t rows = 4096, cols = 1024;
  Workload w = workload("W5", "layer_norm(softmax(x,1)), 4096x1024", TimeUnit::ms, "ms");
  w.bytes_per_call = 8.0 * rows * cols;
  w.make = [](kiln::Device device) {
    return instance(on_device({kiln::random_normal({rows, cols}, 51),
                               kiln::random_uniform({cols}, 52, 0.5f, 1.5f),
                               kiln::random_uniform({cols}, 53, -0.5f, 0.5f)},
                              device),
                    [](const Tensors& in) {
                      return Tensors{kiln::layer_norm(kiln::softmax(in[0], 1), in[1], in[2], 1e-5)};
                    });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    if (out[0].shape() != kiln::Shape{rows, cols})
      return "result shape " + kiln::shape_str(out[0].shape());
    Tensor hx = on_host(in[0]), hy = on_host(out[0]);
    const float* x = hx.data_as<float>();
    const float* y = hy.data_as<float>();
    auto gamma = host(in[1]), beta = host(in[2]);
    std::vector<double> got, want;
    for (int64_t r : spread(rows, 5)) {
      std::vector<double> v(x + r * cols, x + (r + 1) * cols);
      double m = *std::max_element(v.begin(), v.end()), total = 0;
      for (auto& e : v) total += (e = std::exp(e - m));
      double mean = 0, var = 0;
      for (auto& e : v) mean += (e /= total);
      mean /= cols;
      for (auto e : v) var += (e - mean) * (e - mean);
      var /= cols;
      for (int64_t j = 0; j < cols; ++j) {
        want.push_back((v[j] - mean) / std::sqrt(var + 1e-5) * gamma[j] + beta[j]);
        got.push_back(y[r * cols + j]);
      }
    }
    return compare_values(got, want, 1e-4, 1e-4, "layer_norm(softmax)");
  };
  return w;
}

Workload w6() {
  constexpr int64_t n = 1024;
  Workload w = workload("W6", "matmul 1024x1024 @ 1024x1024", TimeUnit::ms, "ms");
  w.flops_per_call = 2.0 * n * n * n;
  w.make = [](kiln::Device device) {
    return instance(on_device({kiln::random_uniform({n, n}, 61, -1.0f, 1.0f),
                               kiln::random_uniform({n, n}, 62, -1.0f, 1.0f)},
                              device),
                    [](const Tensors& in) { return Tensors{kiln::matmul(in[0], in[1])}; });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    return check_matmul(in[0], in[1], nullptr, false, out[0]);
  };
  w.rtol = 1e-4;
  w.atol = 1e-3;  // sums of 1024 products: f32 rounding depends on the summation order
  return w;
}

Workload w7() {
  constexpr int64_t m = 512, k = 1024, n = 1024;
  Workload w = workload("W7", "relu(512x1024 @ 1024x1024 + bias)", TimeUnit::ms, "ms");
  w.flops_per_call = 2.0 * m * n * k;
  w.make = [](kiln::Device device) {
    return instance(
        on_device({kiln::random_uniform({m, k}, 71, -1.0f, 1.0f),
                   kiln::random_uniform({k, n}, 72, -1.0f, 1.0f),
                   kiln::random_uniform({n}, 73, -1.0f, 1.0f)},
                  device),
        [](const Tensors& in) { return Tensors{kiln::relu(kiln::matmul(in[0], in[1]) + in[2])}; });
  };
  w.sanity = [](const Tensors& in, const Tensors& out) {
    return check_matmul(in[0], in[1], &in[2], true, out[0]);
  };
  w.rtol = 1e-4;
  w.atol = 1e-3;
  return w;
}

}  // namespace

std::vector<Workload> all_workloads() { return {w0(), w1(), w2(), w3(), w4(), w5(), w6(), w7()}; }

}  // namespace kiln_bench
