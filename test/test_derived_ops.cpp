// The ops written in other ops (compiler/ops/ops_derived.cpp: full_like, zeros_like,
// ones_like, clip, tril, triu) and the losses of kiln/nn.h: against f64 references, through
// graph mode and the JIT (static and dynamic shapes), and their gradients against central
// differences.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gradient_check.h"
#include "reference.h"

using namespace kiln;
using namespace kiln::gradcheck;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Gradients by the tape equal central differences (f64 inputs away from kinks).
void check_gradient(const std::string& what, const Fn& f, const std::vector<Tensor>& xs) {
  INFO("gradient of " << what);
  Tensor w = weights_for(f(xs));
  auto analytic = tape_gradients(f, xs, w);
  auto numeric = numeric_gradients(f, xs, w);
  for (size_t k = 0; k < xs.size(); ++k)
    CHECK_TENSOR(analytic[k], numeric[k], xs[k].shape(), xs[k].dtype(), kGradTol);
}

/// f traced in graph mode and by the JIT (static shapes, then every dimension dynamic)
/// equals f run eagerly, bit for bit, on `inputs` and on `other` (other sizes).
void check_compiled(const std::string& what, const Fn& f, const std::vector<Tensor>& inputs,
                    const std::vector<Tensor>& other) {
  INFO(what);
  for (bool jit : {false, true})
    for (bool dynamic : {false, true}) {
      INFO((jit ? "jit" : "graph mode") << (dynamic ? ", dynamic shapes" : ""));
      FunctionOptions options = graph_mode(jit);
      if (dynamic) {
        std::vector<TensorSpec> specs;
        for (const Tensor& x : inputs)
          specs.push_back({Shape(static_cast<size_t>(x.rank()), -1), x.dtype()});
        options.input_signature = specs;
      }
      auto compiled = kiln::function([f](const std::vector<Tensor>& xs) { return f(xs); }, options);
      for (const auto* in : {&inputs, &other}) {
        Tensor want = f(*in), got = compiled(*in);
        CHECK_TENSOR(got, kt::values(want), want.shape(), want.dtype(), kt::kExact);
      }
    }
}

double tri_ref(double v, int64_t i, int64_t j, int64_t k, bool lower) {
  return (lower ? j - i <= k : j - i >= k) ? v : 0.0;
}

}  // namespace

TEST_CASE("clip against its definition, special values included", "[ops][derived]") {
  const std::vector<double> v{-3, -1, -0.0, 0.0, 0.5, 1, 2.5, kInf, -kInf, kNaN};
  for (DType d : {DType::f32, DType::f64}) {
    Tensor x = kt::make(v, {10}, d);
    std::vector<double> want;
    for (double e : v) want.push_back(std::isnan(e) ? e : std::min(std::max(e, -1.0), 1.0));
    CHECK_TENSOR(clip(x, -1, 1), want, Shape{10}, d, kt::kExact);
    // Tensor bounds broadcast.
    Tensor lo = kt::make({-1, -2}, {2, 1}, d), hi = kt::make({1, 2}, {2, 1}, d);
    Tensor got = clip(x, lo, hi);
    CHECK(got.shape() == Shape{2, 10});
    auto g = got.to_vector<double>();
    for (size_t i = 0; i < v.size(); ++i) {
      const double second = std::isnan(v[i]) ? v[i] : std::min(std::max(v[i], -2.0), 2.0);
      if (std::isnan(second))
        CHECK(std::isnan(g[10 + i]));
      else
        CHECK(g[10 + i] == static_cast<double>(kt::rounded({second}, d)[0]));
    }
  }
  CHECK(clip(Tensor::from<int32_t>({-5, 0, 5}, {3}), -2, 3).to_vector<int32_t>() ==
        std::vector<int32_t>{-2, 0, 3});
  check_gradient("clip(x, -0.5, 0.5)", [](auto& x) { return clip(x[0], -0.5, 0.5); },
                 {kt::make({-0.9, -0.3, 0.1, 0.45, 0.7, 1.3}, {2, 3}, f64)});
  check_compiled("clip", [](auto& x) { return clip(x[0], -0.5, 0.5); }, {uniform({3, 4}, 1)},
                 {uniform({5, 2}, 2)});
}

TEST_CASE("tril and triu against a reference, static and dynamic shapes", "[ops][derived]") {
  for (bool lower : {true, false})
    for (int64_t k : {-2, -1, 0, 1, 3})
      for (const Shape& s : {Shape{4, 5}, Shape{5, 3}, Shape{2, 3, 4}, Shape{1, 1}}) {
        INFO((lower ? "tril" : "triu") << " k " << k << " shape " << kt::shape_string(s));
        const int64_t rows = s[s.size() - 2], cols = s.back();
        auto v = kt::uniform(kt::numel(s), -3, 3, 9);
        std::vector<double> want(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
          const auto at = static_cast<int64_t>(i) % (rows * cols);
          want[i] = tri_ref(v[i], at / cols, at % cols, k, lower);
        }
        for (DType d : {DType::f64, DType::i32}) {
          Tensor x = kt::make(kt::rounded(v, d), s, d);
          auto w = want;
          if (d == DType::i32) {
            auto r = kt::rounded(v, d);
            for (size_t i = 0; i < w.size(); ++i) w[i] = w[i] == 0 && v[i] != 0 ? 0 : r[i];
            for (size_t i = 0; i < w.size(); ++i) {
              const auto at = static_cast<int64_t>(i) % (rows * cols);
              w[i] = tri_ref(r[i], at / cols, at % cols, k, lower);
            }
          }
          CHECK_TENSOR(lower ? tril(x, k) : triu(x, k), w, s, d, kt::kExact);
        }
      }
  Tensor mask = Tensor::from<bool>({true, true, true, true}, {2, 2});
  CHECK(tril(mask).to_vector<bool>() == std::vector<bool>{true, false, true, true});
  CHECK_THROWS_WITH(tril(ones({3})), Catch::Contains("[tril]") && Catch::Contains("2 dimensions"));
  check_compiled("tril(x, 1)", [](auto& x) { return tril(x[0], 1); }, {uniform({3, 4}, 1)},
                 {uniform({5, 2}, 2)});
  check_compiled("triu(x, -1) of a batch", [](auto& x) { return triu(x[0], -1); },
                 {uniform({2, 3, 4}, 3)}, {uniform({3, 2, 5}, 4)});
  check_gradient("triu(x) * x", [](auto& x) { return triu(x[0]) * x[0]; }, {uniform({3, 4}, 5)});
}

TEST_CASE("zeros_like, ones_like, full_like keep the shape, dtype and device", "[ops][derived]") {
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean}) {
    INFO(kt::dtype_str(d));
    Tensor x = cast(uniform({2, 3}, 1), d);
    CHECK_TENSOR(zeros_like(x), std::vector<double>(6, 0), Shape{2, 3}, d, kt::kExact);
    CHECK_TENSOR(ones_like(x), std::vector<double>(6, 1), Shape{2, 3}, d, kt::kExact);
  }
  CHECK_TENSOR(full_like(ones({4}), 2.5), std::vector<double>(4, 2.5), Shape{4}, DType::f32,
               kt::kExact);
  CHECK_THROWS_AS(full_like(ones({4}, DType::i32), 2.5), Error);  // no fraction in an integer
  // Under a dynamic signature the size comes from x at run time: x + ones_like(x) is x + 1.
  check_compiled("x * 2 + ones_like(x) - zeros_like(x)",
                 [](auto& x) { return x[0] * 2.0 + ones_like(x[0]) - zeros_like(x[0]); },
                 {uniform({3, 4}, 1)}, {uniform({1, 7}, 2)});
}

TEST_CASE("binary cross-entropy against an f64 reference; its gradient is sigmoid(x) - z",
          "[ops][nn][derived]") {
  const std::vector<double> logits{-1000, -40, -3, -0.5, 0, 0.25, 2, 35, 1000};
  const std::vector<double> targets{0, 1, 0.3, 1, 0, 0.5, 1, 0, 1};
  Tensor x = kt::make(logits, {9}, f64), z = kt::make(targets, {9}, f64);
  std::vector<double> want;
  for (size_t i = 0; i < logits.size(); ++i) {
    const long double l = logits[i];
    const long double sp = l > 0 ? l + std::log1p(std::exp(-l)) : std::log1p(std::exp(l));
    want.push_back(static_cast<double>(sp - l * targets[i]));
  }
  CHECK_TENSOR(nn::binary_cross_entropy_with_logits(x, z), want, Shape{9}, f64,
               kt::Tol{1e-14, 1e-13});  // softplus(x) - x z cancels: errors of ulp(softplus)
  for (double v : nn::binary_cross_entropy_with_logits(x, z).to_vector<double>())
    CHECK(std::isfinite(v));
  // The gradient in x: sigmoid(x) - z.
  GradientTape tape;
  tape.watch(x);
  Tensor loss = sum(nn::binary_cross_entropy_with_logits(x, z));
  auto g = tape.gradient(loss, {x})[0].to_vector<double>();
  for (size_t i = 0; i < logits.size(); ++i)
    CHECK(g[i] == Approx(1 / (1 + std::exp(-logits[i])) - targets[i]).margin(1e-15));
  check_gradient("binary_cross_entropy_with_logits",
                 [](auto& in) { return nn::binary_cross_entropy_with_logits(in[0], in[1]); },
                 {uniform({2, 3}, 1, -4, 4), uniform({2, 3}, 2, 0.1, 0.9)});
  // From probabilities: the same loss where p = sigmoid(x) is representable, and the logs
  // capped at -100 at p = 0 and 1.
  Tensor p = kt::make({0.0, 1e-8, 0.3, 0.5, 0.99, 1.0}, {6}, f64);
  Tensor t = kt::make({1.0, 1.0, 0.0, 0.5, 1.0, 0.0}, {6}, f64);
  auto got = nn::binary_cross_entropy(p, t).to_vector<double>();
  const std::vector<double> pv{0.0, 1e-8, 0.3, 0.5, 0.99, 1.0}, tv{1.0, 1.0, 0.0, 0.5, 1.0, 0.0};
  for (size_t i = 0; i < pv.size(); ++i) {
    const double lp = std::max(std::log(pv[i]), -100.0), lq = std::max(std::log1p(-pv[i]), -100.0);
    CHECK(got[i] == Approx(-(tv[i] * lp + (1 - tv[i]) * lq)).epsilon(1e-14));
  }
  check_compiled("binary_cross_entropy_with_logits",
                 [](auto& in) { return nn::binary_cross_entropy_with_logits(in[0], in[1]); },
                 {uniform({2, 3}, 1, -4, 4), uniform({2, 3}, 2, 0, 1)},
                 {uniform({4, 1}, 3, -4, 4), uniform({4, 1}, 4, 0, 1)});
  CHECK_THROWS_WITH(nn::binary_cross_entropy_with_logits(ones({3}), ones({4})),
                    Catch::Contains("[binary_cross_entropy_with_logits]") &&
                        Catch::Contains("test_derived_ops.cpp"));
}
