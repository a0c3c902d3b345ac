// Composites: softmax, log_softmax, layer_norm, softmax_cross_entropy, including inputs
// large enough that a naive formula overflows or cancels.
#include <cmath>

#include "reference.h"

using namespace kiln;
using kt::kExact;
using kt::Tol;

namespace {

/// Applies fn to every 1-D line of v (shape s) along `axis` (normalized), in place.
std::vector<double> along_axis(std::vector<double> v, const Shape& s, int64_t axis,
                               const std::function<void(std::vector<double>&)>& fn) {
  auto ax = static_cast<size_t>(axis);
  int64_t outer = 1, inner = 1, n = s[ax];
  for (size_t i = 0; i < ax; ++i) outer *= s[i];
  for (size_t i = ax + 1; i < s.size(); ++i) inner *= s[i];
  std::vector<double> line(static_cast<size_t>(n));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      for (int64_t k = 0; k < n; ++k) line[static_cast<size_t>(k)] = v[static_cast<size_t>((o * n + k) * inner + in)];
      fn(line);
      for (int64_t k = 0; k < n; ++k) v[static_cast<size_t>((o * n + k) * inner + in)] = line[static_cast<size_t>(k)];
    }
  return v;
}

void softmax_line(std::vector<double>& l) {
  double m = -kt::kInf;
  for (double x : l) m = std::max(m, x);
  double s = 0;
  for (double x : l) s += std::exp(x - m);
  for (double& x : l) x = std::exp(x - m) / s;
}

void log_softmax_line(std::vector<double>& l) {
  double m = -kt::kInf;
  for (double x : l) m = std::max(m, x);
  double s = 0;
  for (double x : l) s += std::exp(x - m);
  double lse = m + std::log(s);
  for (double& x : l) x = x - lse;
}

std::vector<double> layer_norm_ref(const std::vector<double>& v, const Shape& s,
                                   const std::vector<double>& g, const std::vector<double>& b,
                                   double eps) {
  int64_t D = s.back();
  int64_t rows = kt::numel(s) / std::max<int64_t>(D, 1);
  std::vector<double> out(v.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* x = v.data() + r * D;
    double mean = 0;
    for (int64_t i = 0; i < D; ++i) mean += x[i];
    mean /= static_cast<double>(D);
    double var = 0;
    for (int64_t i = 0; i < D; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= static_cast<double>(D);  // biased
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < D; ++i)
      out[static_cast<size_t>(r * D + i)] = (x[i] - mean) * inv * g[static_cast<size_t>(i)] + b[static_cast<size_t>(i)];
  }
  return out;
}

std::vector<double> sce_ref(const std::vector<double>& logits, const Shape& s,
                            const std::vector<double>& labels) {
  int64_t C = s.back();
  auto ls = along_axis(logits, s, static_cast<int64_t>(s.size()) - 1, log_softmax_line);
  std::vector<double> out(labels.size());
  for (size_t r = 0; r < labels.size(); ++r)
    out[r] = -ls[r * static_cast<size_t>(C) + static_cast<size_t>(labels[r])];
  return out;
}

// An implementation may subtract the log-sum-exp (of the size of the largest logit) rather
// than the maximum first; that costs up to half an ulp of the largest |logit|, which the
// tolerances allow (`maxabs`).
Tol softmax_tol(DType d, double maxabs) {
  return d == DType::f32 ? Tol{2e-5 + 1.2e-7 * maxabs, 1e-6} : Tol{1e-12 + 2.3e-16 * maxabs, 1e-14};
}
Tol log_softmax_tol(DType d, double maxabs) {
  return d == DType::f32 ? Tol{2e-5, 2e-5 + 1.2e-7 * maxabs} : Tol{1e-12, 1e-12 + 2.3e-16 * maxabs};
}
Tol layer_norm_tol(DType d) { return d == DType::f32 ? Tol{5e-5, 5e-5} : Tol{1e-10, 1e-10}; }

struct AxisCase {
  Shape s;
  int64_t axis;
};

const std::vector<AxisCase> kAxisCases{{{4, 5}, -1}, {{4, 5}, 0},  {{4, 5}, 1},  {{2, 3, 4}, 1},
                                       {{2, 3, 4}, -1}, {{2, 3, 4}, 0}, {{7}, 0},    {{3, 1}, 1},
                                       {{0, 5}, -1}};

}  // namespace

TEST_CASE("softmax and log_softmax", "[composite][softmax]") {
  for (DType d : {DType::f32, DType::f64})
    for (double scale : {1.0, 100.0, 1000.0})
      DYNAMIC_SECTION(kt::dtype_str(d) << " values in +-" << 3 * scale) {
        uint64_t seed = 5;
        for (auto& c : kAxisCases) {
          INFO("shape " << kt::shape_string(c.s) << " axis " << c.axis);
          auto v = kt::rounded(kt::uniform(kt::numel(c.s), -3 * scale, 3 * scale, seed++), d);
          auto x = kt::make(v, c.s, d);
          int64_t ax = c.axis < 0 ? c.axis + static_cast<int64_t>(c.s.size()) : c.axis;
          auto sm = softmax(x, c.axis);
          CHECK_TENSOR(sm, along_axis(v, c.s, ax, softmax_line), c.s, d, softmax_tol(d, 3 * scale));
          auto lsm = log_softmax(x, c.axis);
          CHECK_TENSOR(lsm, along_axis(v, c.s, ax, log_softmax_line), c.s, d,
                       log_softmax_tol(d, 3 * scale));
        }
      }
}

TEST_CASE("softmax: default axis, rows sum to one, shifted inputs", "[composite][softmax]") {
  auto v = kt::uniform(6 * 9, -4, 4, 3);
  auto x = kt::make(v, {6, 9});
  auto sm = softmax(x);  // axis -1
  auto rows = sum(sm, 1).to_vector<float>();
  for (float r : rows) CHECK(std::fabs(r - 1.0f) < 1e-5f);
  // softmax(x + c) == softmax(x) even when exp(x + c) overflows f32.
  auto shifted = softmax(x + 5000.0f);
  CHECK_TENSOR(shifted, kt::values(sm), Shape{6, 9}, DType::f32, Tol{2e-3, 1e-5});
  auto lsm = log_softmax(x);
  CHECK_TENSOR(exp(lsm), kt::values(sm), Shape{6, 9}, DType::f32, Tol{2e-5, 1e-6});
  // -inf logits get probability 0.
  auto y = Tensor::from<float>({-INFINITY, 0.0f, 0.0f, -INFINITY}, {1, 4});
  CHECK_TENSOR(softmax(y), std::vector<double>{0, 0.5, 0.5, 0}, Shape{1, 4}, DType::f32,
               kt::kF32Arith);
}

TEST_CASE("softmax on large tensors (multi-threaded paths)", "[composite][softmax][large]") {
  Shape s{512, 1000};
  auto v = kt::rounded(kt::uniform(kt::numel(s), -20, 20, 9), DType::f32);
  auto x = kt::make(v, s);
  CHECK_TENSOR(softmax(x, -1), along_axis(v, s, 1, softmax_line), s, DType::f32, Tol{2e-5, 1e-7});
  CHECK_TENSOR(log_softmax(x, 0), along_axis(v, s, 0, log_softmax_line), s, DType::f32,
               Tol{2e-5, 2e-5});
}

TEST_CASE("layer_norm", "[composite][layer_norm]") {
  for (DType d : {DType::f32, DType::f64})
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      struct C {
        Shape s;
        double eps, offset;
      };
      std::vector<C> cases{{{4, 16}, 1e-5, 0},  {{2, 3, 64}, 1e-5, 0}, {{5, 7}, 1e-3, 0},
                           {{8}, 1e-5, 0},      {{3, 1}, 1e-5, 0},     {{0, 4}, 1e-5, 0},
                           {{6, 32}, 1e-5, 5}};
      uint64_t seed = 70;
      for (auto& c : cases) {
        INFO("shape " << kt::shape_string(c.s) << " eps " << c.eps);
        int64_t D = c.s.back();
        auto v = kt::rounded(kt::uniform(kt::numel(c.s), c.offset - 2, c.offset + 2, seed++), d);
        auto g = kt::rounded(kt::uniform(D, 0.5, 1.5, seed++), d);
        auto b = kt::rounded(kt::uniform(D, -1, 1, seed++), d);
        auto got = layer_norm(kt::make(v, c.s, d), kt::make(g, {D}, d), kt::make(b, {D}, d), c.eps);
        CHECK_TENSOR(got, layer_norm_ref(v, c.s, g, b, c.eps), c.s, d, layer_norm_tol(d));
      }
    }
  SECTION("default eps is 1e-5; unit gamma, zero beta") {
    auto v = kt::rounded(kt::uniform(3 * 10, -1, 1, 4), DType::f32);
    std::vector<double> g(10, 1.0), b(10, 0.0);
    auto got = layer_norm(kt::make(v, {3, 10}), ones({10}), zeros({10}));
    CHECK_TENSOR(got, layer_norm_ref(v, {3, 10}, g, b, 1e-5), Shape{3, 10}, DType::f32,
                 Tol{5e-5, 5e-5});
    // Each row has mean 0 and (biased) variance var/(var+eps) ~ 1.
    auto m = mean(got, -1).to_vector<float>();
    for (float e : m) CHECK(std::fabs(e) < 1e-5f);
  }
  SECTION("constant rows normalize to beta") {
    auto x = full({2, 4}, 3.0);
    auto b = Tensor::from<float>({1, 2, 3, 4}, {4});
    CHECK_TENSOR(layer_norm(x, ones({4}), b), std::vector<double>{1, 2, 3, 4, 1, 2, 3, 4},
                 Shape{2, 4}, DType::f32, Tol{1e-5, 1e-5});
  }
  SECTION("stable for rows with a large mean") {
    // A one-pass E[x^2] - E[x]^2 in f32 loses the variance here.
    Shape s{16, 64};
    auto v = kt::rounded(kt::uniform(kt::numel(s), 999, 1001, 8), DType::f32);
    std::vector<double> g(64, 1.0), b(64, 0.0);
    auto got = layer_norm(kt::make(v, s), ones({64}), zeros({64}));
    CHECK_TENSOR(got, layer_norm_ref(v, s, g, b, 1e-5), s, DType::f32, Tol{1e-3, 1e-3});
  }
  SECTION("large (multi-threaded paths)") {
    Shape s{2048, 256};
    auto v = kt::rounded(kt::uniform(kt::numel(s), -3, 3, 11), DType::f32);
    auto g = kt::rounded(kt::uniform(256, 0.5, 1.5, 12), DType::f32);
    auto b = kt::rounded(kt::uniform(256, -1, 1, 13), DType::f32);
    auto got = layer_norm(kt::make(v, s), kt::make(g, {256}), kt::make(b, {256}));
    CHECK_TENSOR(got, layer_norm_ref(v, s, g, b, 1e-5), s, DType::f32, Tol{5e-5, 5e-5});
  }
  SECTION("gamma/beta of the wrong shape throw") {
    CHECK_THROWS_AS(layer_norm(zeros({2, 4}), ones({3}), zeros({4})), Error);
    CHECK_THROWS_AS(layer_norm(zeros({2, 4}), ones({4}), zeros({2, 4})), Error);
    CHECK_THROWS_AS(layer_norm(zeros({2, 4}), ones({4}, DType::f64), zeros({4})), Error);
  }
}

TEST_CASE("softmax_cross_entropy", "[composite][sce]") {
  for (DType d : {DType::f32, DType::f64})
    for (DType ld : {DType::i32, DType::i64})
      DYNAMIC_SECTION(kt::dtype_str(d) << " labels " << kt::dtype_str(ld)) {
        struct C {
          Shape s;
          double scale;
        };
        std::vector<C> cases{{{8, 10}, 3}, {{2, 3, 5}, 3}, {{6}, 3},    {{4, 1}, 3},
                             {{5, 7}, 500}, {{0, 3}, 1},   {{16, 4}, 50}};
        uint64_t seed = 90;
        for (auto& c : cases) {
          INFO("logits " << kt::shape_string(c.s) << " scale " << c.scale);
          int64_t classes = c.s.back();
          Shape ls(c.s.begin(), c.s.end() - 1);
          auto v = kt::rounded(kt::uniform(kt::numel(c.s), -c.scale, c.scale, seed++), d);
          auto lab = kt::uniform_int(kt::numel(ls), 0, classes - 1, seed++);
          auto got = softmax_cross_entropy(kt::make(v, c.s, d), kt::make(lab, ls, ld));
          Tol tol = log_softmax_tol(d, c.scale);
          CHECK_TENSOR(got, sce_ref(v, c.s, lab), ls, d, tol);
        }
      }
  SECTION("a worked example") {
    auto logits = Tensor::from<float>({0, 0, 0, 0, 10, 0}, {2, 3});
    auto labels = Tensor::from<int64_t>({2, 1}, {2});
    auto l = softmax_cross_entropy(logits, labels).to_vector<float>();
    CHECK(l[0] == Approx(std::log(3.0)).epsilon(1e-6));
    CHECK(l[1] == Approx(-(10 - std::log(2 + std::exp(10.0)))).margin(2e-6));
  }
  SECTION("large batch") {
    Shape s{4096, 100};
    auto v = kt::rounded(kt::uniform(kt::numel(s), -10, 10, 3), DType::f32);
    auto lab = kt::uniform_int(4096, 0, 99, 4);
    auto got = softmax_cross_entropy(kt::make(v, s), kt::make(lab, {4096}, DType::i64));
    CHECK_TENSOR(got, sce_ref(v, s, lab), Shape{4096}, DType::f32, Tol{2e-5, 2e-5});
  }
  SECTION("labels out of range or of the wrong shape throw") {
    auto logits = zeros({2, 3});
    CHECK_THROWS_AS(softmax_cross_entropy(logits, Tensor::from<int64_t>({0, 3}, {2})), Error);
    CHECK_THROWS_AS(softmax_cross_entropy(logits, Tensor::from<int64_t>({-1, 0}, {2})), Error);
    CHECK_THROWS_AS(softmax_cross_entropy(logits, Tensor::from<int64_t>({0, 1, 2}, {3})), Error);
    CHECK_THROWS_AS(softmax_cross_entropy(logits, Tensor::from<float>({0, 1}, {2})), Error);
  }
}
