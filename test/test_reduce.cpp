// Reductions: sum, mean, max, min, argmax over single, multiple, negative, all and
// non-contiguous axes, with and without keepdims, zero-sized dims, integers and NaN.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>
#include <limits>

#include "reference.h"
#include "rng.h"

using namespace kiln;
using kt::kExact;
using kt::kInf;
using kt::kNaN;
using kt::Red;
using kt::Tol;

namespace {

Tensor run(Red op, const Tensor& x, const Axes& axes, bool keepdims) {
  switch (op) {
    case Red::sum: return sum(x, axes, keepdims);
    case Red::mean: return mean(x, axes, keepdims);
    case Red::max: return max(x, axes, keepdims);
    case Red::min: return min(x, axes, keepdims);
    case Red::argmax: return argmax(x, axes.list().at(0), keepdims);
    case Red::argmin: return argmin(x, axes.list().at(0), keepdims);
  }
  return {};
}

const char* name(Red op) {
  switch (op) {
    case Red::sum: return "sum";
    case Red::mean: return "mean";
    case Red::max: return "max";
    case Red::min: return "min";
    case Red::argmax: return "argmax";
    case Red::argmin: return "argmin";
  }
  return "?";
}

/// Integer mean truncates toward zero (the contract); the f64 reference divides exactly.
std::vector<double> fix_int_mean(std::vector<double> v, DType d) {
  if (is_integer(d))
    for (auto& x : v) x = std::trunc(x);
  return v;
}

Tol tol_for(Red op, DType d, int64_t count) {
  if (op == Red::max || op == Red::min || op == Red::argmax) return kExact;
  if (d == DType::f32) return count > 10000 ? Tol{1e-4, 1e-4} : kt::kF32Reduce;
  return kt::reduce_tol(d);
}

struct AxesCase {
  std::vector<int64_t> axes;  // empty: Axes{} (all axes)
  bool all;
};

void check_reduce(Red op, DType d, const Shape& s, const std::vector<int64_t>& axes, bool all,
                  bool keepdims, uint64_t seed) {
  // Integer data small enough that i32 sums never wrap; floats in [-5, 5).
  auto v = kt::rounded(kt::random_for(d, kt::numel(s), -5, 5, seed), d);
  auto x = kt::make(v, s, d);
  Axes ax = all ? Axes{} : Axes(axes);
  Shape so;
  std::vector<double> want;
  if (!all && axes.empty()) {
    // An explicit empty list reduces nothing: the result is the input.
    want = v;
    so = s;
  } else {
    want = kt::reduce_ref(v, s, all ? std::vector<int64_t>{} : axes, keepdims, op, &so);
  }
  if (op == Red::mean) want = fix_int_mean(want, d);
  int64_t count = kt::numel(s) / std::max<int64_t>(1, kt::numel(so));
  DType out = op == Red::argmax ? DType::i64 : d;
  INFO(name(op) << " " << kt::dtype_str(d) << " shape " << kt::shape_string(s) << " axes "
                << (all ? std::string("all") : Catch::Detail::stringify(axes))
                << " keepdims " << keepdims);
  CHECK_TENSOR(run(op, x, ax, keepdims), want, so, out, tol_for(op, d, count));
}

}  // namespace

TEST_CASE("reductions over axis sets", "[reduce]") {
  const std::vector<Red> ops{Red::sum, Red::mean, Red::max, Red::min};
  const std::vector<DType> dtypes{DType::f32, DType::f64, DType::i32, DType::i64};
  struct Case {
    Shape shape;
    std::vector<int64_t> axes;
    bool all;
  };
  const std::vector<Case> cases{
      {{7}, {0}, false},
      {{7}, {}, true},
      {{3, 5}, {0}, false},
      {{3, 5}, {1}, false},
      {{3, 5}, {-1}, false},
      {{3, 5}, {-2}, false},
      {{3, 5}, {0, 1}, false},
      {{3, 5}, {}, true},
      {{2, 3, 4}, {0, 2}, false},   // non-contiguous axes
      {{2, 3, 4}, {2, 0}, false},   // unsorted
      {{2, 3, 4}, {1}, false},      // middle axis
      {{2, 3, 4}, {-1, -3}, false}, // negative, non-contiguous
      {{2, 3, 4}, {1, 2}, false},
      {{2, 3, 4}, {0, 1}, false},
      {{2, 3, 4, 5}, {1, 3}, false},
      {{2, 3, 4, 5}, {0, 2, 3}, false},
      {{4, 1, 3}, {1}, false},      // size-1 axis
      {{}, {}, true},               // rank 0
      {{}, {}, false},              // rank 0, explicit empty list: nothing reduced
      {{3, 4}, {}, false},          // explicit empty list: identity
  };
  for (Red op : ops)
    for (DType d : dtypes)
      DYNAMIC_SECTION(name(op) << " " << kt::dtype_str(d)) {
        uint64_t seed = 100;
        for (auto& c : cases)
          for (bool keep : {false, true}) check_reduce(op, d, c.shape, c.axes, c.all, keep, seed++);
      }
}

TEST_CASE("reductions: Axes{} and the default reduce everything", "[reduce]") {
  auto x = Tensor::from<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(sum(x).shape().empty());
  CHECK(sum(x).item<float>() == 21.0f);
  CHECK(sum(x, {}).item<float>() == 21.0f);
  CHECK(mean(x).item<float>() == 3.5f);
  CHECK(max(x).item<float>() == 6.0f);
  CHECK(min(x).item<float>() == 1.0f);
  CHECK(sum(x, {}, true).shape() == Shape{1, 1});
  CHECK(sum(x, {0, 1}).item<float>() == 21.0f);
  CHECK(sum(x, 1).to_vector<float>() == std::vector<float>{6, 15});
  CHECK(sum(x, -2).to_vector<float>() == std::vector<float>{5, 7, 9});
  CHECK(sum(x, int64_t{0}, true).shape() == Shape{1, 3});
}

TEST_CASE("argmax and argmin along each axis", "[reduce][argmax]") {
  const std::vector<DType> dtypes{DType::f32, DType::f64, DType::i32, DType::i64};
  struct Case {
    Shape shape;
    int64_t axis;
  };
  const std::vector<Case> cases{{{7}, 0},       {{7}, -1},      {{3, 5}, 0},   {{3, 5}, 1},
                                {{3, 5}, -1},   {{3, 5}, -2},   {{2, 3, 4}, 1}, {{2, 3, 4}, 0},
                                {{2, 3, 4}, 2}, {{2, 3, 4}, -3}, {{4, 1, 3}, 1}};
  for (DType d : dtypes)
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 7;
      for (auto& c : cases)
        for (bool keep : {false, true}) {
          // Few distinct values: ties are common, and the first maximum must win.
          auto v = kt::rounded(kt::random_for(d, kt::numel(c.shape), -2, 2, seed++), d);
          if (is_floating(d))
            for (auto& e : v) e = std::round(e);
          Shape so;
          auto want = kt::reduce_ref(v, c.shape, {c.axis}, keep, Red::argmax, &so);
          INFO("shape " << kt::shape_string(c.shape) << " axis " << c.axis << " keepdims " << keep);
          CHECK_TENSOR(argmax(kt::make(v, c.shape, d), c.axis, keep), want, so, DType::i64, kExact);
          auto want_min = kt::reduce_ref(v, c.shape, {c.axis}, keep, Red::argmin, &so);
          CHECK_TENSOR(argmin(kt::make(v, c.shape, d), c.axis, keep), want_min, so, DType::i64,
                       kExact);
        }
    }
  SECTION("default axis is -1") {
    auto x = Tensor::from<float>({1, 9, 3, 7, 2, 8}, {2, 3});
    auto a = argmax(x);
    CHECK(a.dtype() == DType::i64);
    CHECK(a.shape() == Shape{2});
    CHECK(a.to_vector<int64_t>() == std::vector<int64_t>{1, 2});
  }
  SECTION("first of equal maxima") {
    auto x = Tensor::from<int32_t>({5, 5, 5, 1, 7, 7}, {2, 3});
    CHECK(argmax(x, 1).to_vector<int64_t>() == std::vector<int64_t>{0, 1});
  }
  SECTION("NaN counts as the maximum (and the minimum)") {
    auto x = Tensor::from<float>({1, NAN, 3, INFINITY, 2, NAN, -INFINITY, -1, -2}, {3, 3});
    CHECK(argmax(x, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 2, 1});
    CHECK(argmax(x, 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1});
    CHECK(argmin(x, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 2, 0});
    CHECK(argmin(x, 0).to_vector<int64_t>() == std::vector<int64_t>{2, 0, 1});
  }
  SECTION("argmin: -0 and +0 tie, the first wins") {
    auto x = Tensor::from<double>({0.0, -0.0, 1, -0.0, 0.0, 2}, {2, 3});
    CHECK(argmin(x, 1).to_vector<int64_t>() == std::vector<int64_t>{0, 0});
  }
  SECTION("large rows") {
    auto v = kt::rounded(kt::uniform(200 * 1000, -1, 1, 8), DType::f32);
    Shape so;
    auto want = kt::reduce_ref(v, {200, 1000}, {1}, false, Red::argmax, &so);
    CHECK_TENSOR(argmax(kt::make(v, {200, 1000}), 1), want, so, DType::i64, kExact);
    auto want0 = kt::reduce_ref(v, {200, 1000}, {0}, false, Red::argmax, &so);
    CHECK_TENSOR(argmax(kt::make(v, {200, 1000}), 0), want0, so, DType::i64, kExact);
  }
}

TEST_CASE("reductions with zero-sized dimensions", "[reduce][empty]") {
  SECTION("zero-sized non-reduced dims give empty results") {
    auto x = zeros({0, 3});
    CHECK(sum(x, 1).shape() == Shape{0});
    CHECK(max(x, 1).shape() == Shape{0});
    CHECK(min(x, -1, true).shape() == Shape{0, 1});
    CHECK(mean(x, 1).shape() == Shape{0});
    CHECK(argmax(x, 1).shape() == Shape{0});
    auto y = zeros({2, 0, 4}, DType::i32);
    CHECK(sum(y, {0, 2}).shape() == Shape{0});
    CHECK(max(y, 2).shape() == Shape{2, 0});
    CHECK(sum(y, {0, 2}, true).shape() == Shape{1, 0, 1});
  }
  SECTION("summing over a zero-sized axis gives 0") {
    auto x = zeros({3, 0});
    CHECK_TENSOR(sum(x, 1), std::vector<double>{0, 0, 0}, Shape{3}, DType::f32, kExact);
    CHECK_TENSOR(sum(x), std::vector<double>{0}, Shape{}, DType::f32, kExact);
    CHECK_TENSOR(sum(zeros({0}, DType::i64)), std::vector<double>{0}, Shape{}, DType::i64, kExact);
    CHECK_TENSOR(sum(x, 0), std::vector<double>{}, Shape{0}, DType::f32, kExact);
  }
  SECTION("max/min over a zero-sized axis throw") {
    auto x = zeros({3, 0});
    CHECK_THROWS_AS(max(x, 1), Error);
    CHECK_THROWS_AS(min(x), Error);
    CHECK_THROWS_AS(argmax(x, 1), Error);
  }
}

TEST_CASE("integer reductions", "[reduce][int]") {
  SECTION("mean truncates toward zero") {
    auto x = Tensor::from<int32_t>({1, 2, -1, -2, 7, 0}, {3, 2});
    CHECK(mean(x, 1).to_vector<int32_t>() == std::vector<int32_t>{1, -1, 3});
    CHECK(mean(x, 1).dtype() == DType::i32);
    auto y = Tensor::from<int64_t>({5, 4, -5, -4}, {2, 2});
    CHECK(mean(y, 1).to_vector<int64_t>() == std::vector<int64_t>{4, -4});
  }
  SECTION("sums wrap") {
    auto x = Tensor::from<int32_t>({2147483647, 1, -2147483647 - 1, -1}, {2, 2});
    CHECK(sum(x, 1).to_vector<int32_t>() == std::vector<int32_t>{-2147483647 - 1, 2147483647});
    auto y = Tensor::from<int64_t>({std::numeric_limits<int64_t>::max(), 2}, {2});
    CHECK(sum(y).item<int64_t>() == std::numeric_limits<int64_t>::min() + 1);
  }
  SECTION("i64 sums beyond 2^53 are exact") {
    int64_t big = (int64_t{1} << 60) + 3;
    auto x = Tensor::from<int64_t>({big, 1, -5}, {3});
    CHECK(sum(x).item<int64_t>() == big - 4);
    CHECK(max(x).item<int64_t>() == big);
  }
  SECTION("max/min of boolean are any/all") {
    auto b = Tensor::from(std::vector<bool>{true, false, false, false, true, true}, {3, 2});
    CHECK(max(b, 1).dtype() == DType::boolean);
    CHECK(max(b, 1).to_vector<bool>() == std::vector<bool>{true, false, true});
    CHECK(min(b, 1).to_vector<bool>() == std::vector<bool>{false, false, true});
    CHECK(max(b).item<bool>() == true);
    CHECK(min(b).item<bool>() == false);
  }
  SECTION("sum of booleans is refused") { CHECK_THROWS_AS(sum(ones({3}, DType::boolean)), Error); }
}

TEST_CASE("max and min propagate NaN; infinities", "[reduce][nan]") {
  auto x = Tensor::from<float>({1, NAN, 3, INFINITY, 2, 0, -INFINITY, -1, NAN}, {3, 3});
  auto mx = max(x, 1).to_vector<float>();
  CHECK(std::isnan(mx[0]));
  CHECK(mx[1] == INFINITY);
  CHECK(std::isnan(mx[2]));
  auto mn = min(x, 1).to_vector<float>();
  CHECK(std::isnan(mn[0]));
  CHECK(mn[1] == 0.0f);
  CHECK(std::isnan(mn[2]));
  CHECK(std::isnan(max(x).item<float>()));
  CHECK(std::isnan(sum(x).item<float>()));
  auto col = max(x, 0).to_vector<float>();
  CHECK(col[0] == INFINITY);
  CHECK(std::isnan(col[1]));
  CHECK(std::isnan(col[2]));
}

TEST_CASE("large reductions (multi-threaded paths)", "[reduce][large]") {
  // Positive data keeps the relative error of a float sum meaningful.
  Shape s{300, 500};
  auto v = kt::rounded(kt::uniform(kt::numel(s), 0.5, 1.5, 77), DType::f32);
  auto x = kt::make(v, s);
  for (Red op : {Red::sum, Red::mean, Red::max, Red::min})
    for (auto axes : std::vector<std::vector<int64_t>>{{0}, {1}, {}})
      DYNAMIC_SECTION(name(op) << " axes " << Catch::Detail::stringify(axes)) {
        Shape so;
        auto want = kt::reduce_ref(v, s, axes, false, op, &so);
        Axes ax = axes.empty() ? Axes{} : Axes(axes);
        CHECK_TENSOR(run(op, x, ax, false), want, so, DType::f32,
                     tol_for(op, DType::f32, kt::numel(s)));
      }
  SECTION("f64 sum of 1M elements, non-contiguous axes") {
    Shape s3{100, 100, 100};
    auto w = kt::uniform(kt::numel(s3), -1, 1, 78);
    auto t = kt::make(w, s3, DType::f64);
    Shape so;
    auto want = kt::reduce_ref(w, s3, {0, 2}, true, Red::sum, &so);
    CHECK_TENSOR(sum(t, {0, 2}, true), want, so, DType::f64, Tol{1e-10, 1e-10});
    auto want_all = kt::reduce_ref(w, s3, {}, false, Red::sum, &so);
    CHECK_TENSOR(sum(t), want_all, so, DType::f64, Tol{1e-9, 1e-9});
  }
  SECTION("i64 sum, 200k") {
    auto w = kt::uniform_int(200000, -1000000, 1000000, 79);
    Shape so;
    auto want = kt::reduce_ref(w, {200000}, {}, false, Red::sum, &so);
    CHECK_TENSOR(sum(kt::make(w, {200000}, DType::i64)), want, so, DType::i64, kExact);
  }
}

TEST_CASE("reduction results stay the same under 1 and 2 threads", "[reduce][threads]") {
  Shape s{256, 1024};
  auto v = kt::uniform(kt::numel(s), -1, 1, 5);
  auto x = kt::make(v, s, DType::f64);
  int before = num_threads();
  set_num_threads(1);
  auto a = sum(x, 1).to_vector<double>();
  auto am = max(x, 0).to_vector<double>();
  set_num_threads(2);
  auto b = sum(x, 1).to_vector<double>();
  auto bm = max(x, 0).to_vector<double>();
  set_num_threads(before);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(std::fabs(a[i] - b[i]) <= 1e-12 * 1024);
  CHECK(am == bm);
}

TEST_CASE("cumsum along each axis against an f64 reference", "[reduce][cumsum]") {
  struct Case {
    Shape shape;
    int64_t axis;
  };
  const std::vector<Case> cases{{{7}, 0},        {{3, 5}, 0},     {{3, 5}, 1},    {{3, 5}, -1},
                                {{2, 3, 4}, 1},  {{2, 3, 4}, 0},  {{2, 3, 4}, 2}, {{4, 1, 3}, 1},
                                {{0, 3}, 0},     {{3, 0}, 1},     {{5, 700}, 0},  {{300, 9}, 1}};
  uint64_t seed = 11;
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64})
    for (const Case& c : cases)
      for (bool reverse : {false, true}) {
        INFO(kt::dtype_str(d) << " shape " << kt::shape_string(c.shape) << " axis " << c.axis
                              << (reverse ? " reversed" : ""));
        auto v = kt::rounded(kt::random_for(d, kt::numel(c.shape), -100, 100, seed++), d);
        auto want = kt::cumsum_ref(v, c.shape, c.axis, reverse);
        Tensor got = cumsum(kt::make(v, c.shape, d), c.axis, reverse);
        // f32 sums of up to 700 terms of magnitude 100: a relative 1e-4 of the running
        // magnitude; integers and f64 (these sums are exact in f64) must match exactly.
        if (d == DType::f32)
          CHECK_TENSOR(got, want, c.shape, d, kt::Tol{1e-4, 1e-2});
        else
          CHECK_TENSOR(got, want, c.shape, d, kExact);
      }
  SECTION("special values run through the sums") {
    auto x = Tensor::from<float>({1, INFINITY, -INFINITY, 2, NAN, 3}, {6});
    auto v = cumsum(x, 0).to_vector<float>();
    CHECK(v[0] == 1);
    CHECK(v[1] == INFINITY);
    CHECK(std::isnan(v[2]));  // inf - inf
    CHECK(std::isnan(v[5]));
  }
}

// A differential tester for the axis ops of this list that the edge tester
// (test_edges_random.cpp) does not draw: argmax, argmin and cumsum on values from each
// dtype's edges (±0, subnormals, huge, ±inf, NaN, integer extremes, which wrap in sums),
// random shapes and axes, compiled (graph mode and JIT; static and every dimension dynamic)
// against eager, bit for bit. Booleans are refused alike.
TEST_CASE("argmax, argmin and cumsum compiled equal eager at the edges of every dtype",
          "[reduce][cumsum][edges]") {
  kt::Rng rng(20261206);
  auto edge = [&](DType d) -> double {
    const double f32max = std::numeric_limits<float>::max();
    if (d == DType::f32)
      return rng.pick<double>({0.0, -0.0, 1e-45, -1e-45, 1.2e-38, f32max, -f32max, kInf, -kInf,
                               kNaN, 1.0, -2.5, 3e7});
    if (d == DType::f64)
      return rng.pick<double>({0.0, -0.0, 5e-324, -5e-324, 2.2e-308, 1.7e308, -1.7e308, kInf,
                               -kInf, kNaN, 1.0, -2.5, 1e16});
    if (d == DType::i32) return rng.pick<double>({0, 1, -1, 2147483647.0, -2147483648.0, 7});
    return rng.pick<double>({0, 1, -1, 9.2233720368547758e18, -9.2233720368547758e18, 7});
  };
  // Bits, not values: +0 and -0 differ, NaN equals NaN.
  auto bits = [](const Tensor& t) {
    std::vector<std::string> out;
    for (double v : t.to_vector<double>()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%a", v);
      out.push_back(std::isnan(v) ? std::string("nan") : std::string(buf));
    }
    return out;
  };
  int cases = 0;
  for (int seed = 0; seed < 60; ++seed) {
    const DType d = rng.pick<DType>({DType::f32, DType::f64, DType::i32, DType::i64});
    Shape shape;
    for (int r = rng.range(1, 3); r > 0; --r) shape.push_back(rng.range(1, 5));
    std::vector<double> v(static_cast<size_t>(kt::numel(shape)));
    for (double& e : v) e = edge(d);
    if (d == DType::i64)  // exact i64 extremes (a double cannot say INT64_MAX)
      for (double& e : v) e = std::fabs(e) > 1e18 ? (e > 0 ? 4e18 : -4e18) : e;
    const Tensor x = kt::make(v, shape, d);
    const auto axis = static_cast<int64_t>(rng.range(-static_cast<int>(shape.size()),
                                                     static_cast<int>(shape.size()) - 1));
    const bool flag = rng.coin(0.5);
    const int which = rng.below(3);
    auto f = [=](const std::vector<Tensor>& in) {
      if (which == 0) return argmax(in[0], axis, flag);
      if (which == 1) return argmin(in[0], axis, flag);
      return cumsum(in[0], axis, flag);
    };
    INFO("seed " << seed << " op " << which << " " << kt::dtype_str(d) << " shape "
                 << kt::shape_string(shape) << " axis " << axis << " flag " << flag);
    const Tensor want = f({x});
    for (bool jit : {false, true})
      for (bool dynamic : {false, true}) {
        FunctionOptions options;
        options.jit = jit;
        if (dynamic)
          options.input_signature =
              std::vector<TensorSpec>{{Shape(shape.size(), -1), d}};
        auto compiled = kiln::function([&](const std::vector<Tensor>& in) { return f(in); },
                                       options);
        const Tensor got = compiled(std::vector<Tensor>{x});
        REQUIRE(got.shape() == want.shape());
        CHECK(got.dtype() == want.dtype());
        CHECK(bits(got) == bits(want));
        ++cases;
      }
    // Booleans: refused eagerly and compiled alike.
    const Tensor b = cast(x, DType::boolean);
    CHECK_THROWS_AS(f({b}), Error);
    auto compiled = kiln::function([&](const std::vector<Tensor>& in) { return f(in); });
    CHECK_THROWS_AS(compiled(std::vector<Tensor>{b}), Error);
  }
  CHECK(cases == 240);
}
