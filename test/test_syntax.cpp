// What users expect to write: tensor methods, x[i] and ranges, Tensor::from without a
// shape and from nested lists, item() without a type, loop bodies returning tuples, and
// errors at the user's line for host reads while tracing and variables made in a retrace.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "reference.h"

using namespace kiln;
using Catch::Contains;

namespace {

std::string at(int line) { return "test_syntax.cpp:" + std::to_string(line); }

}  // namespace

TEST_CASE("tensor methods are the free functions", "[syntax]") {
  Tensor x = random_normal({2, 3, 4}, 1, 0, 1, DType::f64);
  auto same = [](const Tensor& a, const Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    CHECK(a.dtype() == b.dtype());
    CHECK(a.to_vector<double>() == b.to_vector<double>());
  };
  same(x.reshape({6, -1}), reshape(x, {6, -1}));
  same(x.transpose({2, 0, 1}), transpose(x, {2, 0, 1}));
  same(x.T(), transpose(x));
  CHECK(x.T().shape() == Shape{4, 3, 2});
  same(x.sum(1), sum(x, 1));
  same(x.sum(), sum(x));
  same(x.mean({0, 2}, true), mean(x, {0, 2}, true));
  same(x.max(-1), max(x, -1));
  same(x.min(), min(x));
  same(x.argmax(1), argmax(x, 1));
  same(x.argmin(), argmin(x));
  same(x.expand_dims(0).squeeze(0), x);
  Tensor m = random_normal({3, 4}, 2, 0, 1, DType::f64);
  same(m.matmul(m.T()), matmul(m, transpose(m)));
  // Chained in a compiled function: traced like the functions, and the same numbers.
  auto f = kiln::function([](Tensor a) { return a.reshape({6, 4}).T().sum(1).max(); });
  CHECK(f(x).item<double>() == max(sum(transpose(reshape(x, {6, 4})), 1)).item<double>());
  // Errors name the op and the line of the method call.
  const int line = __LINE__ + 1;
  const std::string msg = kt::error_of([&] { (void)x.reshape({5, -1}); });
  CHECK_THAT(msg, Contains("[reshape]") && Contains(at(line)));
}

TEST_CASE("x[i], ranges and index() follow NumPy", "[syntax]") {
  Tensor x = arange(24, DType::i32).reshape({2, 3, 4});
  CHECK(x[1].shape() == Shape{3, 4});
  CHECK(x[1].to_vector<int32_t>().front() == 12);
  CHECK(x[-1].to_vector<int32_t>() == x[1].to_vector<int32_t>());
  CHECK(x[1][2].to_vector<int32_t>() == std::vector<int32_t>{20, 21, 22, 23});
  CHECK(x.index({1, 2, 3}).shape() == Shape{});
  CHECK(x.index({1, 2, 3}).item<int32_t>() == 23);
  CHECK(x.index({0, range(1, 3)}).to_vector<int32_t>() ==
        std::vector<int32_t>{4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(x.index({range(), -1, range(-2)}).to_vector<int32_t>() ==
        std::vector<int32_t>{10, 11, 22, 23});
  CHECK(x[range(1)].shape() == Shape{1, 3, 4});
  CHECK(x.index({range(), range(2, 100)}).shape() == Shape{2, 1, 4});  // clamped, as NumPy
  CHECK(x.index({range(), range(3, 1)}).shape() == Shape{2, 0, 4});    // empty
  int line = __LINE__ + 1;
  std::string msg = kt::error_of([&] { (void)x.index({0, 3}); });
  CHECK_THAT(msg, Contains("[index]") && Contains("out of range for axis 1 of size 3") &&
                      Contains(at(line)));
  CHECK_THAT(kt::error_of([&] { (void)x.index({0, 0, 0, 0}); }), Contains("4 indices"));
  // Traced: the slice and squeeze ops; gradients flow into the indexed entries only.
  auto f = kiln::function([](Tensor a) { return a[1].sum(); });
  CHECK(f(x.astype(DType::f32)).item<float>() ==
        12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23);
  Tensor w = ones({2, 3}, DType::f64);
  GradientTape tape;
  tape.watch(w);
  auto g = tape.gradient(sum(w.index({1, range(0, 2)}) * 3.0), {w})[0].to_vector<double>();
  CHECK(g == std::vector<double>{0, 0, 0, 3, 3, 0});
  // A dynamic axis: refused by name (gather is the op for it).
  FunctionOptions options;
  options.input_signature = {TensorSpec{{-1, 4}, DType::f32}};
  auto d = kiln::function([](Tensor a) { return a[0]; }, options);
  CHECK_THAT(kt::error_of([&] { d(ones({3, 4})); }), Contains("[index]") && Contains("dynamic"));
}

TEST_CASE("Tensor::from without a shape, and from nested lists", "[syntax]") {
  Tensor v = Tensor::from<float>({1, 2, 3});
  CHECK(v.shape() == Shape{3});
  CHECK(v.dtype() == DType::f32);
  CHECK(Tensor::from(std::vector<int64_t>{4, 5}).shape() == Shape{2});
  Tensor m = Tensor::from<double>({{1, 2, 3}, {4, 5, 6}});
  CHECK(m.shape() == Shape{2, 3});
  CHECK(m.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  Tensor c = Tensor::from<int32_t>({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});
  CHECK(c.shape() == Shape{2, 2, 2});
  CHECK(c.to_vector<int32_t>() == std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(Tensor::from<bool>({true, false}).dtype() == DType::boolean);
  CHECK_THAT(kt::error_of([] {
               Tensor::from<float>({{1, 2}, {3}});
             }),
             Contains("rectangular") && Contains("has 1 values, the first had 2"));
  CHECK_THAT(kt::error_of([] { Tensor::from<float>({{{1}, {2}}, {{3}}}); }), Contains("rectangular"));
}

TEST_CASE("item() without a type keeps the element's own dtype", "[syntax]") {
  double d = Tensor::scalar(2.5).item();
  CHECK(d == 2.5);
  float f = Tensor::scalar(1.5f).item();
  CHECK(f == 1.5f);
  const int64_t big = (int64_t{1} << 62) + 1;  // not a double: must stay exact
  int64_t i = Tensor::scalar(big).item();
  CHECK(i == big);
  auto item = Tensor::scalar(int32_t{-7}).item();
  CHECK(item.dtype() == DType::i32);
  CHECK(item.as<int>() == -7);
  std::ostringstream os;
  os << Tensor::scalar(big).item() << " " << Tensor::from<bool>({true}).item() << " "
     << Tensor::scalar(0.25).item();
  CHECK(os.str() == "4611686018427387905 true 0.25");
  CHECK_THAT(kt::error_of([] { (void)ones({2}).item(); }),
             Contains("[item]") && Contains("one element"));
}

TEST_CASE("loop bodies and branches may return tuples, pairs and arrays", "[syntax][control]") {
  auto f = kiln::function([](Tensor n, Tensor x) {
    auto out = for_range(n,
                         [](const Tensor& i, const std::vector<Tensor>& c) {
                           return std::tuple{c[0] + 1.0f, c[1] * 2.0f};
                         },
                         {x, x});
    auto w = while_loop([](const std::vector<Tensor>& c) { return c[0] < 10.0f; },
                        [](const std::vector<Tensor>& c) {
                          return std::array{c[0] + 3.0f, c[1]};
                        },
                        {out[0], out[1]});
    auto [a, b] = std::pair{w[0], w[1]};
    return cond(
        a > 5.0f,
        [&] {
          return std::pair{a, b};
        },
        [&] {
          return std::pair{b, a};
        });
  });
  auto got = f(Tensor::scalar(int64_t{3}), Tensor::scalar(1.0f));
  REQUIRE(got.size() == 2);
  CHECK(got[0].item<float>() == 10.0f);  // 1 + 3 = 4, then 7, 10
  CHECK(got[1].item<float>() == 8.0f);   // 1 * 2^3
}

TEST_CASE("host reads while tracing and variables made in a retrace name the user's line",
          "[syntax][errors]") {
  auto f = kiln::function([](Tensor x) {
    const float scale = sum(x).item<float>();  // a host read of a traced value
    return x * scale;
  });
  const int item_line = __LINE__ - 3;
  CHECK_THAT(kt::error_of([&] { f(ones({3})); }),
             Contains("[item]") && Contains("while tracing") && Contains(at(item_line)));
  const int read_line = __LINE__ + 1;
  auto g = kiln::function([](Tensor x) { return x * sum(x).to_vector<float>()[0]; });
  CHECK_THAT(kt::error_of([&] { g(ones({3})); }), Contains("[to_vector]") && Contains(at(read_line)));

  std::unique_ptr<Variable> late;
  FunctionOptions options;
  options.name = "maker";
  auto h = kiln::function(
      [&](Tensor x, bool make) {
        if (make) late.reset(new Variable(ones({3}), "late"));
        return x + 1.0f;
      },
      options);
  const int var_line = __LINE__ - 4;
  h(ones({3}), false);
  const std::string msg = kt::error_of([&] { h(ones({3}), true); });
  CHECK_THAT(msg, Contains("[Variable]") && Contains("'late'") && Contains("f32 (3,)") &&
                      Contains("'maker'") && Contains(at(var_line)) &&
                      Contains("on non-first call"));
  CHECK(late == nullptr);
  // Made through std::make_unique, the variable's line is inside the standard library: the
  // error gives the compiled function's definition instead.
  const int def_line = __LINE__ + 1;
  auto k = kiln::function([&](Tensor x, bool make) {
    if (make) late = std::make_unique<Variable>(ones({2}));
    return x;
  });
  k(ones({3}), false);
  const std::string msg2 = kt::error_of([&] { k(ones({3}), true); });
  CHECK_THAT(msg2, Contains("'(unnamed)'") && Contains(at(def_line)) && !Contains("unique_ptr"));
}
