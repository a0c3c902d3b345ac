// Counter-based random numbers: reproducible per seed, independent of the thread count,
// and distributed as promised.
#include <cmath>
#include <cstring>

#include "reference.h"

using namespace kiln;

namespace {

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

struct Moments {
  double mean, var, lo, hi;
};

Moments moments(const std::vector<double>& v) {
  double s = 0, lo = kt::kInf, hi = -kt::kInf;
  for (double x : v) {
    s += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  double m = s / static_cast<double>(v.size());
  double q = 0;
  for (double x : v) q += (x - m) * (x - m);
  return {m, q / static_cast<double>(v.size()), lo, hi};
}

/// Restores the thread count on scope exit.
struct ThreadsGuard {
  int saved = num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

}  // namespace

TEST_CASE("random: same seed gives identical bits", "[random]") {
  auto a = random_uniform({1000, 37}, 42).to_vector<float>();
  auto b = random_uniform({1000, 37}, 42).to_vector<float>();
  CHECK(same_bits(a, b));
  auto c = random_normal({333, 3}, 7).to_vector<float>();
  auto d = random_normal({333, 3}, 7).to_vector<float>();
  CHECK(same_bits(c, d));
  auto e = random_uniform({100}, 1, -2, 3, DType::f64).to_vector<double>();
  auto f = random_uniform({100}, 1, -2, 3, DType::f64).to_vector<double>();
  CHECK(same_bits(e, f));
}

TEST_CASE("random: element i depends only on (seed, i)", "[random]") {
  // A prefix of a longer draw equals a shorter draw; the shape does not matter.
  auto a = random_uniform({1000}, 5).to_vector<float>();
  auto b = random_uniform({10, 100}, 5).to_vector<float>();
  auto c = random_uniform({37}, 5).to_vector<float>();
  CHECK(same_bits(a, b));
  CHECK(same_bits(std::vector<float>(a.begin(), a.begin() + 37), c));
  auto n1 = random_normal({1001}, 6).to_vector<float>();
  auto n2 = random_normal({64}, 6).to_vector<float>();
  CHECK(same_bits(std::vector<float>(n1.begin(), n1.begin() + 64), n2));
}

TEST_CASE("random: different seeds differ", "[random]") {
  auto a = random_uniform({4096}, 1).to_vector<float>();
  auto b = random_uniform({4096}, 2).to_vector<float>();
  auto c = random_uniform({4096}, uint64_t{1} << 40 | 1).to_vector<float>();  // high bits matter
  int same_ab = 0, same_ac = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same_ab += a[i] == b[i];
    same_ac += a[i] == c[i];
  }
  CHECK(same_ab < 10);
  CHECK(same_ac < 10);
  auto n1 = random_normal({4096}, 1).to_vector<float>();
  auto n2 = random_normal({4096}, 2).to_vector<float>();
  int same_n = 0;
  for (size_t i = 0; i < n1.size(); ++i) same_n += n1[i] == n2[i];
  CHECK(same_n < 10);
  // Neighbouring elements are not equal either.
  int repeats = 0;
  for (size_t i = 1; i < a.size(); ++i) repeats += a[i] == a[i - 1];
  CHECK(repeats < 5);
}

TEST_CASE("random: identical under 1 and 2 threads", "[random][threads]") {
  ThreadsGuard guard;
  const Shape s{1 << 20};  // ~1M elements: the parallel path runs
  set_num_threads(1);
  REQUIRE(num_threads() == 1);
  auto u1 = random_uniform(s, 1234).to_vector<float>();
  auto n1 = random_normal(s, 1234).to_vector<float>();
  set_num_threads(2);
  REQUIRE(num_threads() == 2);
  auto u2 = random_uniform(s, 1234).to_vector<float>();
  auto n2 = random_normal(s, 1234).to_vector<float>();
  CHECK(same_bits(u1, u2));
  CHECK(same_bits(n1, n2));
  // f64 too (smaller).
  set_num_threads(1);
  auto d1 = random_uniform({300000}, 99, 0, 1, DType::f64).to_vector<double>();
  set_num_threads(2);
  auto d2 = random_uniform({300000}, 99, 0, 1, DType::f64).to_vector<double>();
  CHECK(same_bits(d1, d2));
}

TEST_CASE("random_uniform: range, mean and variance", "[random][stats]") {
  struct C {
    float lo, hi;
    DType d;
  };
  for (C c : {C{0, 1, DType::f32}, C{-3, 5, DType::f32}, C{10, 10.5f, DType::f64},
              C{-1, 1, DType::f64}}) {
    DYNAMIC_SECTION("[" << c.lo << ", " << c.hi << ") " << kt::dtype_str(c.d)) {
      const int64_t n = 200000;
      auto t = random_uniform({n}, 2024, c.lo, c.hi, c.d);
      REQUIRE(t.dtype() == c.d);
      REQUIRE(t.shape() == Shape{n});
      auto v = kt::values(t);
      auto m = moments(v);
      double w = c.hi - c.lo;
      CHECK(m.lo >= c.lo);
      CHECK(m.hi <= c.hi);  // [lo, hi): hi itself only through f32 rounding of lo + w*u
      CHECK(m.hi < c.hi + 1e-6 * w);
      // Spread over the range: the extremes come within 0.1% of the bounds.
      CHECK(m.lo < c.lo + 1e-3 * w);
      CHECK(m.hi > c.hi - 1e-3 * w);
      // Mean: sd of the sample mean is w/sqrt(12 n) ~ 6.5e-4 w; allow 6 sd.
      CHECK(std::fabs(m.mean - (c.lo + c.hi) / 2) < 6 * w / std::sqrt(12.0 * n));
      // Variance w^2/12, relative sd of the estimate ~ sqrt(0.8/n) ~ 2e-3; allow 1%.
      CHECK(std::fabs(m.var / (w * w / 12) - 1) < 0.01);
      // Histogram: 10 bins each hold ~10% (sd ~0.07%); allow 0.5% absolute.
      std::vector<int64_t> bins(10, 0);
      for (double x : v) bins[std::min<size_t>(9, static_cast<size_t>((x - c.lo) / w * 10))]++;
      for (auto b : bins) CHECK(std::fabs(static_cast<double>(b) / n - 0.1) < 0.005);
    }
  }
}

TEST_CASE("random_normal: mean, standard deviation, tails", "[random][stats]") {
  const int64_t n = 200000;
  SECTION("standard") {
    auto v = kt::values(random_normal({n}, 77));
    auto m = moments(v);
    CHECK(std::fabs(m.mean) < 6 / std::sqrt(static_cast<double>(n)));  // ~0.013
    CHECK(std::fabs(std::sqrt(m.var) - 1) < 0.01);
    // P(|x| > 1) ~ 0.3173, P(|x| > 2) ~ 0.0455, P(|x| > 3) ~ 0.0027.
    double p1 = 0, p2 = 0, p3 = 0;
    bool finite = true;
    for (double x : v) {
      p1 += std::fabs(x) > 1;
      p2 += std::fabs(x) > 2;
      p3 += std::fabs(x) > 3;
      finite = finite && std::isfinite(x);
    }
    CHECK(finite);
    CHECK(std::fabs(p1 / n - 0.3173) < 0.006);
    CHECK(std::fabs(p2 / n - 0.0455) < 0.003);
    CHECK(std::fabs(p3 / n - 0.0027) < 0.0008);
    CHECK(m.lo < -3.5);
    CHECK(m.hi > 3.5);
    // Symmetric: about half are negative.
    double neg = 0;
    for (double x : v) neg += x < 0;
    CHECK(std::fabs(neg / n - 0.5) < 0.006);
  }
  SECTION("mean and stddev parameters, f64") {
    auto t = random_normal({n}, 78, 3.0f, 0.5f, DType::f64);
    CHECK(t.dtype() == DType::f64);
    auto m = moments(kt::values(t));
    CHECK(std::fabs(m.mean - 3.0) < 6 * 0.5 / std::sqrt(static_cast<double>(n)));
    CHECK(std::fabs(std::sqrt(m.var) - 0.5) < 0.005);
  }
  SECTION("adjacent elements are uncorrelated") {
    auto v = kt::values(random_normal({n}, 79));
    double c = 0;
    for (size_t i = 1; i < v.size(); ++i) c += v[i] * v[i - 1];
    CHECK(std::fabs(c / static_cast<double>(n)) < 0.015);
  }
}

TEST_CASE("random: shapes, rank 0, zero-sized, dtype errors", "[random]") {
  CHECK(random_uniform({2, 3, 4}, 0).shape() == Shape{2, 3, 4});
  CHECK(random_uniform({2, 3, 4}, 0).dtype() == DType::f32);
  auto s = random_uniform({}, 3);
  CHECK(s.shape().empty());
  float x = s.item<float>();
  CHECK(x >= 0.0f);
  CHECK(x < 1.0f);
  CHECK(random_normal({0, 5}, 3).numel() == 0);
  CHECK_THROWS_AS(random_uniform({4}, 1, 0, 1, DType::i32), Error);
  CHECK_THROWS_AS(random_normal({4}, 1, 0, 1, DType::boolean), Error);
}
