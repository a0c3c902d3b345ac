// Elementwise ops: every binary and unary op over the dtypes it accepts, NumPy
// broadcasting, rank-0 and zero-sized operands, C++ scalar operands, comparisons, where,
// cast (with its saturation rules) and transcendentals over wide ranges with inf/NaN.
#include <cmath>
#include <limits>

#include "reference.h"
#include "binary_cases.h"
#include "unary_cases.h"

using namespace kiln;
using kt::kExact;
using kt::kInf;
using kt::kNaN;
using kt::Tol;

namespace {

const std::vector<DType> kFloating{DType::f32, DType::f64};

struct ShapePair {
  Shape a, b;
};

const std::vector<ShapePair> kShapePairs{
    {{2, 3}, {2, 3}},           // same shape
    {{3, 1, 5}, {4, 1}},        // both sides broadcast, ranks differ
    {{1, 4, 1}, {3, 1, 2}},     // every axis broadcasts one way or the other
    {{}, {2, 3}},               // rank-0 left
    {{4}, {}},                  // rank-0 right
    {{}, {}},                   // both rank 0
    {{2, 1, 3, 1}, {5, 1, 4}},  // rank 4 against rank 3
    {{0, 3}, {1, 3}},           // zero-sized, broadcast against 1
    {{2, 0}, {2, 1}},           // zero-sized trailing
    {{0}, {}},                  // zero-sized with a scalar
    {{7, 1}, {7, 9}},           // column broadcast
};

/// One binary op on random operands of dtype d and shapes sa, sb (binary_cases.h's row)
/// against its f64 reference.
void run_binary(const test::BinaryRow& r, DType d, const Shape& sa, const Shape& sb,
                uint64_t seed) {
  auto va = r.lhs_values(d, kt::numel(sa), seed);
  auto vb = r.rhs_values(d, kt::numel(sb), seed + 1000);
  auto a = kt::make(va, sa, d);
  auto b = kt::make(vb, sb, d);
  Shape so;
  const bool integer = is_integer(d);
  auto want = kt::broadcast_apply(va, sa, vb, sb,
                                  [&](double x, double y) { return r.reference(x, y, integer); },
                                  &so);
  CHECK_TENSOR(r.apply(a, b), want, so, r.result(d), kt::arith_tol(d));
}

}  // namespace

TEST_CASE("binary ops: every op, dtype and broadcast shape", "[elementwise][binary]") {
  for (const test::BinaryRow& c : test::binary_rows()) {
    for (DType d : c.dtypes()) {
      DYNAMIC_SECTION(c.name << " " << kt::dtype_str(d)) {
        uint64_t seed = 17;
        for (auto& sp : kShapePairs) {
          INFO("shapes " << kt::shape_string(sp.a) << " x " << kt::shape_string(sp.b));
          run_binary(c, d, sp.a, sp.b, seed++);
          INFO("swapped");
          run_binary(c, d, sp.b, sp.a, seed++);
        }
      }
    }
  }
}

TEST_CASE("binary ops: special values, every pair, f32 and f64", "[elementwise][binary][edges]") {
  // ±0, infinities, NaN, an f32 subnormal and values whose sums and products overflow f32,
  // each against each (the f32 reference is the f64 result rounded once).
  for (const test::BinaryRow& r : test::binary_rows())
    for (DType d : r.dtypes()) {
      if (!is_floating(d)) continue;
      DYNAMIC_SECTION(r.name << " " << kt::dtype_str(d)) {
        std::vector<double> va, vb, want;
        for (double x : r.special)
          for (double y : r.special) {
            va.push_back(x);
            vb.push_back(y);
          }
        va = kt::rounded(va, d);
        vb = kt::rounded(vb, d);
        for (size_t i = 0; i < va.size(); ++i) want.push_back(r.reference(va[i], vb[i], false));
        const Shape s{static_cast<int64_t>(va.size())};
        CHECK_TENSOR(r.apply(kt::make(va, s, d), kt::make(vb, s, d)), want, s, r.result(d),
                     kt::arith_tol(d));
      }
    }
}

TEST_CASE("binary ops: large operands (multi-threaded paths)", "[elementwise][binary][large]") {
  const auto cases = test::binary_rows();
  for (const test::BinaryRow& c : cases) {
    DType d = c.dtypes().front();
    DYNAMIC_SECTION(c.name << " " << kt::dtype_str(d)) {
      run_binary(c, d, {400, 300}, {400, 300}, 3);  // 120k, same shape
      run_binary(c, d, {1000, 1}, {1, 200}, 4);    // 200k, outer broadcast
      run_binary(c, d, {300, 400}, {400}, 5);      // row broadcast
    }
  }
  SECTION("f64 add, strided broadcast") { run_binary(cases[0], DType::f64, {50, 1, 60}, {1, 70, 60}, 6); }
}

TEST_CASE("operators match the named ops", "[elementwise][operators]") {
  auto va = kt::rounded(kt::uniform(12, -5, 5, 1), DType::f32);
  auto vb = kt::rounded(kt::uniform(4, 0.5, 5, 2), DType::f32);
  auto a = kt::make(va, {3, 4});
  auto b = kt::make(vb, {4});
  Shape so{3, 4};
  auto tol = kt::kF32Arith;
  CHECK_TENSOR(a + b, kt::broadcast_apply(va, {3, 4}, vb, {4}, std::plus<>()), so, DType::f32, tol);
  CHECK_TENSOR(a - b, kt::broadcast_apply(va, {3, 4}, vb, {4}, std::minus<>()), so, DType::f32, tol);
  CHECK_TENSOR(a * b, kt::broadcast_apply(va, {3, 4}, vb, {4}, std::multiplies<>()), so, DType::f32,
               tol);
  CHECK_TENSOR(a / b, kt::broadcast_apply(va, {3, 4}, vb, {4}, std::divides<>()), so, DType::f32,
               tol);
  CHECK_TENSOR(-a, kt::apply1(va, [](double x) { return -x; }), so, DType::f32, kExact);
  CHECK_TENSOR(negative(a), kt::apply1(va, [](double x) { return -x; }), so, DType::f32, kExact);
  // Chained expressions.
  auto e = (a + b) * a - b / 2.0f;
  std::vector<double> want(12);
  for (size_t i = 0; i < 12; ++i) {
    double x = va[i], y = vb[i % 4];
    want[i] = (x + y) * x - y / 2.0;
  }
  CHECK_TENSOR(e, want, so, DType::f32, Tol{1e-5, 1e-5});
}

TEST_CASE("scalar operands take the tensor's dtype", "[elementwise][scalar]") {
  SECTION("f32 tensor") {
    auto v = kt::rounded(kt::uniform(6, -3, 3, 9), DType::f32);
    auto x = kt::make(v, {2, 3});
    Shape s{2, 3};
    auto tol = kt::kF32Arith;
    CHECK_TENSOR(x * 2, kt::apply1(v, [](double t) { return t * 2; }), s, DType::f32, tol);
    CHECK_TENSOR(2 * x, kt::apply1(v, [](double t) { return t * 2; }), s, DType::f32, tol);
    CHECK_TENSOR(1.0f - x, kt::apply1(v, [](double t) { return 1 - t; }), s, DType::f32, tol);
    CHECK_TENSOR(x - 1.0f, kt::apply1(v, [](double t) { return t - 1; }), s, DType::f32, tol);
    CHECK_TENSOR(x + 0.5, kt::apply1(v, [](double t) { return t + 0.5; }), s, DType::f32, tol);
    CHECK_TENSOR(x / 4, kt::apply1(v, [](double t) { return t / 4; }), s, DType::f32, tol);
    CHECK_TENSOR(1 / x, kt::apply1(v, [](double t) { return 1 / t; }), s, DType::f32, tol);
    CHECK_TENSOR(add(x, 3), kt::apply1(v, [](double t) { return t + 3; }), s, DType::f32, tol);
    CHECK_TENSOR(subtract(10, x), kt::apply1(v, [](double t) { return 10 - t; }), s, DType::f32,
                 tol);
    CHECK_TENSOR(maximum(x, 0), kt::apply1(v, [](double t) { return std::max(t, 0.0); }), s,
                 DType::f32, tol);
    CHECK_TENSOR(minimum(1.5, x), kt::apply1(v, [](double t) { return std::min(t, 1.5); }), s,
                 DType::f32, tol);
    CHECK_TENSOR(pow(abs(x), 2), kt::apply1(v, [](double t) { return t * t; }), s, DType::f32,
                 tol);
    CHECK_TENSOR(pow(2, x), kt::apply1(v, [](double t) { return std::exp2(t); }), s, DType::f32,
                 kt::kF32Trans);
    CHECK_TENSOR(greater(x, 0), kt::apply1(v, [](double t) { return t > 0 ? 1.0 : 0.0; }), s,
                 DType::boolean, kExact);
    CHECK_TENSOR(less_equal(0.5, x), kt::apply1(v, [](double t) { return 0.5 <= t ? 1.0 : 0.0; }),
                 s, DType::boolean, kExact);
  }
  SECTION("f64 tensor keeps f64 precision of the scalar") {
    auto x = Tensor::from<double>({1.0, 2.0}, {2});
    CHECK_TENSOR(x + 0.1, std::vector<double>{1.1, 2.1}, Shape{2}, DType::f64, kt::kF64);
    CHECK_TENSOR(x * 1e-300, std::vector<double>{1e-300, 2e-300}, Shape{2}, DType::f64, kt::kF64);
  }
  SECTION("integer tensors") {
    auto x = Tensor::from<int32_t>({-7, -1, 0, 3, 8}, {5});
    CHECK_TENSOR(x * 3, std::vector<double>{-21, -3, 0, 9, 24}, Shape{5}, DType::i32, kExact);
    CHECK_TENSOR(x + 100, std::vector<double>{93, 99, 100, 103, 108}, Shape{5}, DType::i32, kExact);
    CHECK_TENSOR(x / 2, std::vector<double>{-3, 0, 0, 1, 4}, Shape{5}, DType::i32, kExact);
    CHECK_TENSOR(10 - x, std::vector<double>{17, 11, 10, 7, 2}, Shape{5}, DType::i32, kExact);
    auto y = Tensor::from<int64_t>({int64_t{1} << 40, -3}, {2});
    CHECK_TENSOR(y * 2, std::vector<double>{std::ldexp(1.0, 41), -6}, Shape{2}, DType::i64, kExact);
    CHECK(((y + int64_t{1}).to_vector<int64_t>()[0]) == (int64_t{1} << 40) + 1);
  }
  SECTION("boolean tensor with 0/1") {
    auto b = Tensor::from(std::vector<bool>{true, false, true}, {3});
    CHECK_TENSOR(logical_and(b, true), std::vector<double>{1, 0, 1}, Shape{3}, DType::boolean,
                 kExact);
    CHECK_TENSOR(logical_or(b, 1), std::vector<double>{1, 1, 1}, Shape{3}, DType::boolean, kExact);
    CHECK_TENSOR(equal(b, false), std::vector<double>{0, 1, 0}, Shape{3}, DType::boolean, kExact);
  }
  SECTION("rank-0 tensor and scalar") {
    auto x = Tensor::scalar(3.0f);
    auto y = x * 2 + 1;
    CHECK(y.shape().empty());
    CHECK(y.item<float>() == 7.0f);
  }
}

TEST_CASE("integer division truncates toward zero", "[elementwise][divide]") {
  auto a = Tensor::from<int32_t>({7, -7, 7, -7, 0, 1, -1}, {7});
  auto b = Tensor::from<int32_t>({2, 2, -2, -2, 5, 3, 3}, {7});
  CHECK(divide(a, b).to_vector<int32_t>() == std::vector<int32_t>{3, -3, -3, 3, 0, 0, 0});
  auto a64 = a.astype(DType::i64), b64 = b.astype(DType::i64);
  CHECK((a64 / b64).to_vector<int64_t>() == std::vector<int64_t>{3, -3, -3, 3, 0, 0, 0});
}

TEST_CASE("floating division by zero gives inf and NaN", "[elementwise][divide]") {
  auto a = Tensor::from<float>({1, -1, 0}, {3});
  auto z = zeros({3});
  CHECK_TENSOR(a / z, std::vector<double>{kInf, -kInf, kNaN}, Shape{3}, DType::f32, kExact);
}

TEST_CASE("integer pow", "[elementwise][pow]") {
  auto a = Tensor::from<int64_t>({2, -3, 0, 5, 1, -1}, {6});
  auto b = Tensor::from<int64_t>({10, 3, 0, 0, 100, 7}, {6});
  CHECK(pow(a, b).to_vector<int64_t>() == std::vector<int64_t>{1024, -27, 1, 1, 1, -1});
  auto c = Tensor::from<int32_t>({3, 2}, {2});
  CHECK(pow(c, 2).to_vector<int32_t>() == std::vector<int32_t>{9, 4});
}

TEST_CASE("maximum and minimum propagate NaN", "[elementwise][nan]") {
  for (DType d : kFloating) {
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      auto a = kt::make({kNaN, 1.0, kNaN, -kInf, 2.0}, {5}, d);
      auto b = kt::make({1.0, kNaN, kNaN, 3.0, kInf}, {5}, d);
      CHECK_TENSOR(maximum(a, b), std::vector<double>{kNaN, kNaN, kNaN, 3.0, kInf}, Shape{5}, d,
                   kExact);
      CHECK_TENSOR(minimum(a, b), std::vector<double>{kNaN, kNaN, kNaN, -kInf, 2.0}, Shape{5}, d,
                   kExact);
    }
  }
}

TEST_CASE("comparisons with NaN and infinities", "[elementwise][compare][nan]") {
  auto a = Tensor::from<float>({NAN, NAN, 1.0f, INFINITY, -INFINITY, 0.0f}, {6});
  auto b = Tensor::from<float>({NAN, 1.0f, NAN, INFINITY, 0.0f, -0.0f}, {6});
  CHECK(equal(a, b).to_vector<bool>() == std::vector<bool>{false, false, false, true, false, true});
  CHECK(not_equal(a, b).to_vector<bool>() ==
        std::vector<bool>{true, true, true, false, true, false});
  CHECK(less(a, b).to_vector<bool>() == std::vector<bool>{false, false, false, false, true, false});
  CHECK(less_equal(a, b).to_vector<bool>() ==
        std::vector<bool>{false, false, false, true, true, true});
  CHECK(greater(a, b).to_vector<bool>() ==
        std::vector<bool>{false, false, false, false, false, false});
  CHECK(greater_equal(a, b).to_vector<bool>() ==
        std::vector<bool>{false, false, false, true, false, true});
  CHECK(equal(a, b).dtype() == DType::boolean);
}

TEST_CASE("comparisons of i64 beyond 2^53 are exact", "[elementwise][compare]") {
  int64_t big = (int64_t{1} << 60) + 1;
  auto a = Tensor::from<int64_t>({big, big}, {2});
  auto b = Tensor::from<int64_t>({big - 1, big}, {2});
  CHECK(equal(a, b).to_vector<bool>() == std::vector<bool>{false, true});
  CHECK(greater(a, b).to_vector<bool>() == std::vector<bool>{true, false});
}

TEST_CASE("logical_not", "[elementwise][logical]") {
  auto b = Tensor::from(std::vector<bool>{true, false, false, true}, {2, 2});
  auto n = logical_not(b);
  CHECK(n.dtype() == DType::boolean);
  CHECK(n.shape() == Shape{2, 2});
  CHECK(n.to_vector<bool>() == std::vector<bool>{false, true, true, false});
  auto big = kt::uniform_int(150000, 0, 1, 5);
  auto nb = logical_not(kt::make(big, {150000}, DType::boolean));
  CHECK_TENSOR(nb, kt::apply1(big, [](double x) { return x == 0 ? 1.0 : 0.0; }), Shape{150000},
               DType::boolean, kExact);
  // Booleans combine with comparisons.
  auto x = Tensor::from<float>({-1, 0.5f, 2, 3}, {4});
  auto inside = logical_and(greater(x, 0), less(x, 2.5f));
  CHECK(inside.to_vector<bool>() == std::vector<bool>{false, true, true, false});
  auto outside = logical_or(less_equal(x, 0), greater_equal(x, 2.5f));
  CHECK(outside.to_vector<bool>() == std::vector<bool>{true, false, false, true});
}

// ---- Unary ------------------------------------------------------------------------------

TEST_CASE("unary ops: random data, special values, shapes", "[elementwise][unary]") {
  for (const test::UnaryRow& c : test::unary_rows()) {  // unary_cases.h
    for (DType d : c.dtypes()) {
      DYNAMIC_SECTION(c.name << " " << kt::dtype_str(d)) {
        bool fl = is_floating(d);
        Tol tol = c.exact() ? kExact : kt::trans_tol(d);
        SECTION("random, 2-D") {
          auto v = kt::rounded(kt::random_for(d, 60, c.lo, c.hi, 21), d);
          CHECK_TENSOR(c.apply(kt::make(v, {6, 10}, d)), kt::apply1(v, c.reference), Shape{6, 10}, d, tol);
        }
        SECTION("large, multi-threaded") {
          auto v = kt::rounded(kt::random_for(d, 131072 + 7, c.lo, c.hi, 22), d);
          CHECK_TENSOR(c.apply(kt::make(v, {131079}, d)), kt::apply1(v, c.reference), Shape{131079}, d, tol);
        }
        SECTION("rank 0") {
          auto v = kt::rounded(kt::random_for(d, 1, c.lo, c.hi, 23), d);
          CHECK_TENSOR(c.apply(kt::make(v, {}, d)), kt::apply1(v, c.reference), Shape{}, d, tol);
        }
        SECTION("zero-sized") {
          CHECK_TENSOR(c.apply(kt::make({}, {0, 3}, d)), std::vector<double>{}, Shape{0, 3}, d, tol);
        }
        if (fl) {
          SECTION("special values") {
            auto v = c.special;
            if (d == DType::f64) v.insert(v.end(), c.special64.begin(), c.special64.end());
            v = kt::rounded(v, d);
            auto n = static_cast<int64_t>(v.size());
            CHECK_TENSOR(c.apply(kt::make(v, {n}, d)), kt::apply1(v, c.reference), Shape{n}, d, tol);
          }
        }
      }
    }
  }
}

TEST_CASE("transcendentals keep relative accuracy for tiny inputs", "[elementwise][unary]") {
  // f(x) ~ c*x near 0: an implementation that cancels (e.g. tanh as (e^2x-1)/(e^2x+1))
  // loses every digit here. Relative tolerance only.
  std::vector<double> v;
  for (double m : {1e-20, 3e-12, 1e-8, 2e-6, 1e-4})
    for (double s : {1.0, -1.0}) v.push_back(m * s);
  auto n = static_cast<int64_t>(v.size());
  struct C {
    const char* name;
    std::function<Tensor(const Tensor&)> fn;
    std::function<double(double)> ref;
  };
  std::vector<C> cs{
      {"tanh", [](auto& x) { return tanh(x); }, [](double x) { return std::tanh(x); }},
      {"sin", [](auto& x) { return sin(x); }, [](double x) { return std::sin(x); }},
      {"erf", [](auto& x) { return erf(x); }, [](double x) { return std::erf(x); }},
      {"gelu", [](auto& x) { return gelu(x); }, test::UnaryCase<OpId::gelu>::reference},
  };
  for (auto& c : cs) {
    for (DType d : kFloating) {
      DYNAMIC_SECTION(c.name << " " << kt::dtype_str(d)) {
        auto r = kt::rounded(v, d);
        Tol tol{d == DType::f32 ? 1e-5 : 1e-12, 0.0};
        CHECK_TENSOR(c.fn(kt::make(r, {n}, d)), kt::apply1(r, c.ref), Shape{n}, d, tol);
      }
    }
  }
}

TEST_CASE("where selects with three-way broadcasting", "[elementwise][where]") {
  struct S {
    Shape c, a, b;
  };
  std::vector<S> shapes{{{2, 3}, {2, 3}, {2, 3}}, {{3, 1}, {1, 4}, {}},   {{}, {2, 2}, {2, 2}},
                        {{4}, {3, 4}, {1}},       {{2, 1, 3}, {5, 1}, {3}}, {{0, 2}, {2}, {1, 2}}};
  std::vector<DType> all(std::begin(kAllDTypes), std::end(kAllDTypes));
  for (DType d : all) {
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 31;
      for (auto& s : shapes) {
        INFO(kt::shape_string(s.c) << " " << kt::shape_string(s.a) << " " << kt::shape_string(s.b));
        auto vc = kt::uniform_int(kt::numel(s.c), 0, 1, seed++);
        auto va = kt::rounded(kt::random_for(d, kt::numel(s.a), -50, 50, seed++), d);
        auto vb = kt::rounded(kt::random_for(d, kt::numel(s.b), -50, 50, seed++), d);
        Shape so;
        auto want = kt::broadcast_apply3(vc, s.c, va, s.a, vb, s.b,
                                         [](double c, double a, double b) { return c != 0 ? a : b; },
                                         &so);
        auto got = where(kt::make(vc, s.c, DType::boolean), kt::make(va, s.a, d), kt::make(vb, s.b, d));
        CHECK_TENSOR(got, want, so, d, kExact);
      }
    }
  }
  SECTION("large") {
    auto vc = kt::uniform_int(200000, 0, 1, 1);
    auto va = kt::rounded(kt::uniform(200000, -1, 1, 2), DType::f32);
    auto got = where(kt::make(vc, {200000}, DType::boolean), kt::make(va, {200000}), zeros({1}));
    std::vector<double> want(200000);
    for (size_t i = 0; i < want.size(); ++i) want[i] = vc[i] != 0 ? va[i] : 0.0;
    CHECK_TENSOR(got, want, Shape{200000}, DType::f32, kExact);
  }
  SECTION("relu written with where") {
    auto x = Tensor::from<float>({-1, 2, -3, 4}, {4});
    CHECK(where(greater(x, 0), x, zeros({})).to_vector<float>() == std::vector<float>{0, 2, 0, 4});
  }
}

TEST_CASE("cast between dtypes", "[elementwise][cast]") {
  SECTION("exact conversions, every pair") {
    std::vector<double> v{0, 1, 0, 7, 1, 100};  // representable everywhere (bool: nonzero)
    std::vector<DType> all(std::begin(kAllDTypes), std::end(kAllDTypes));
    for (DType from : all)
      for (DType to : all) {
        INFO(kt::dtype_str(from) << " -> " << kt::dtype_str(to));
        auto src = kt::rounded(v, from);
        CHECK_TENSOR(cast(kt::make(src, {2, 3}, from), to), kt::rounded(src, to), Shape{2, 3}, to,
                     kExact);
      }
  }
  SECTION("float to int truncates toward zero") {
    auto x = Tensor::from<double>({-2.9, -2.5, -0.1, 0.1, 2.5, 2.9, 123456.7}, {7});
    CHECK(cast(x, DType::i32).to_vector<int32_t>() ==
          std::vector<int32_t>{-2, -2, 0, 0, 2, 2, 123456});
    CHECK(cast(x, DType::i64).to_vector<int64_t>() ==
          std::vector<int64_t>{-2, -2, 0, 0, 2, 2, 123456});
  }
  SECTION("float to int: NaN -> 0, out of range saturates to the int range") {
    // What kiln asserts (C++ leaves these undefined): NaN converts to 0; values above the
    // integer range (including +inf) become its maximum, values below become its minimum.
    constexpr int32_t i32max = std::numeric_limits<int32_t>::max();
    constexpr int32_t i32min = std::numeric_limits<int32_t>::min();
    constexpr int64_t i64max = std::numeric_limits<int64_t>::max();
    constexpr int64_t i64min = std::numeric_limits<int64_t>::min();
    auto xf = Tensor::from<float>({NAN, 1e10f, -1e10f, INFINITY, -INFINITY, 3e9f, -3e9f, 5.f}, {8});
    CHECK(cast(xf, DType::i32).to_vector<int32_t>() ==
          std::vector<int32_t>{0, i32max, i32min, i32max, i32min, i32max, i32min, 5});
    CHECK(cast(xf, DType::i64).to_vector<int64_t>() ==
          std::vector<int64_t>{0, 10000000000, -10000000000, i64max, i64min, 3000000000,
                               -3000000000, 5});
    auto xd = Tensor::from<double>({NAN, 1e300, -1e300, 2147483647.9, -2147483648.9, 1e19, -1e19},
                                   {7});
    CHECK(cast(xd, DType::i32).to_vector<int32_t>() ==
          std::vector<int32_t>{0, i32max, i32min, i32max, i32min, i32max, i32min});
    CHECK(cast(xd, DType::i64).to_vector<int64_t>() ==
          std::vector<int64_t>{0, i64max, i64min, 2147483647, -2147483648, i64max, i64min});
    // Saturation on the multi-threaded path too.
    std::vector<float> big(100000);
    for (size_t i = 0; i < big.size(); ++i) big[i] = (i % 3 == 0) ? 1e12f : (i % 3 == 1) ? -1e12f : NAN;
    auto got = cast(Tensor::from(big, {100000}), DType::i32).to_vector<int32_t>();
    bool ok = true;
    for (size_t i = 0; i < got.size() && ok; ++i)
      ok = got[i] == ((i % 3 == 0) ? i32max : (i % 3 == 1) ? i32min : 0);
    CHECK(ok);
  }
  SECTION("to boolean: nonzero is true") {
    auto x = Tensor::from<float>({0.0f, -0.0f, 0.5f, -2.f, INFINITY, 1e-30f}, {6});
    CHECK(cast(x, DType::boolean).to_vector<bool>() ==
          std::vector<bool>{false, false, true, true, true, true});
    auto i = Tensor::from<int64_t>({0, -1, 5, int64_t{1} << 40}, {4});
    CHECK(cast(i, DType::boolean).to_vector<bool>() == std::vector<bool>{false, true, true, true});
  }
  SECTION("f64 to f32 rounds and overflows to inf") {
    auto x = Tensor::from<double>({0.1, 1e300, -1e300, 1e-300, kNaN}, {5});
    auto y = cast(x, DType::f32);
    auto v = y.to_vector<float>();
    CHECK(v[0] == 0.1f);
    CHECK(v[1] == INFINITY);
    CHECK(v[2] == -INFINITY);
    CHECK(v[3] == 0.0f);
    CHECK(std::isnan(v[4]));
  }
  SECTION("i64 to f64 and f32 round to nearest") {
    int64_t big = (int64_t{1} << 40) + 1;
    auto x = Tensor::from<int64_t>({big, -big}, {2});
    CHECK(cast(x, DType::f64).to_vector<double>() ==
          std::vector<double>{static_cast<double>(big), static_cast<double>(-big)});
    CHECK(cast(x, DType::f32).to_vector<float>() ==
          std::vector<float>{static_cast<float>(big), static_cast<float>(-big)});
  }
  SECTION("shapes are kept; rank 0 and zero-sized") {
    CHECK(cast(Tensor::scalar(2.5f), DType::i32).item<int32_t>() == 2);
    CHECK(cast(Tensor::scalar(2.5f), DType::i32).shape().empty());
    CHECK(cast(zeros({0, 4}), DType::i64).shape() == Shape{0, 4});
    CHECK(cast(zeros({0, 4}), DType::i64).dtype() == DType::i64);
  }
  SECTION("casting to the same dtype keeps the values") {
    auto v = kt::rounded(kt::uniform(100, -3, 3, 4), DType::f32);
    CHECK_TENSOR(cast(kt::make(v, {10, 10}), DType::f32), v, Shape{10, 10}, DType::f32, kExact);
  }
}

TEST_CASE("relu, abs, negative on integers are exact", "[elementwise][unary]") {
  auto x = Tensor::from<int32_t>({-5, 0, 7, -2147483647}, {4});
  CHECK(relu(x).to_vector<int32_t>() == std::vector<int32_t>{0, 0, 7, 0});
  CHECK(abs(x).to_vector<int32_t>() == std::vector<int32_t>{5, 0, 7, 2147483647});
  CHECK(negative(x).to_vector<int32_t>() == std::vector<int32_t>{5, 0, -7, 2147483647});
  auto y = Tensor::from<int64_t>({-(int64_t{1} << 62), 3}, {2});
  CHECK(abs(y).to_vector<int64_t>() == std::vector<int64_t>{int64_t{1} << 62, 3});
}

namespace {

/// n points evenly spaced in [lo, hi].
std::vector<double> linspace(double lo, double hi, int64_t n) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  return v;
}

/// n points log-spaced in [lo, hi] (both > 0), with their negatives if `both_signs`.
std::vector<double> logspace(double lo, double hi, int64_t n, bool both_signs) {
  std::vector<double> v;
  double a = std::log(lo), b = std::log(hi);
  for (int64_t i = 0; i < n; ++i) {
    double x = std::exp(a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1));
    v.push_back(x);
    if (both_signs) v.push_back(-x);
  }
  return v;
}

}  // namespace

TEST_CASE("transcendentals: dense sweeps against f64 libm", "[elementwise][unary][sweep]") {
  // Tens of thousands of points per function cover every branch of a polynomial or
  // range-reduction implementation, the vector body and its remainder loop. The
  // tolerance is relative (kF32Trans.rel) with a small absolute floor where the result
  // can be zero or subnormal.
  struct Sweep {
    std::string name;
    std::function<Tensor(const Tensor&)> fn;
    std::function<double(double)> ref;
    std::vector<double> xs;
    double abs_f32;  // absolute floor for f32
  };
  auto cat = [](std::vector<double> a, const std::vector<double>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  std::vector<Sweep> sweeps{
      {"exp", [](auto& x) { return exp(x); }, [](double x) { return std::exp(x); },
       cat(linspace(-103, 88.7, 60001), logspace(1e-30, 1, 3000, true)), 1e-44},
      {"log", [](auto& x) { return log(x); }, [](double x) { return std::log(x); },
       cat(logspace(1e-44, 3e38, 60001, false), linspace(0.5, 2, 20001)), 1e-6},
      {"sqrt", [](auto& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); },
       logspace(1e-44, 3e38, 40001, false), 0},
      {"rsqrt", [](auto& x) { return rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); },
       logspace(1e-37, 3e38, 40001, false), 0},
      {"tanh", [](auto& x) { return tanh(x); }, [](double x) { return std::tanh(x); },
       cat(linspace(-12, 12, 60001), logspace(1e-30, 1, 3000, true)), 1e-37},
      {"sigmoid", [](auto& x) { return sigmoid(x); }, [](double x) { return 1 / (1 + std::exp(-x)); },
       linspace(-87, 60, 60001), 1e-37},
      {"gelu", [](auto& x) { return gelu(x); },
       [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); },
       cat(linspace(-12, 12, 60001), logspace(1e-30, 1, 3000, true)), 1e-37},
      {"erf", [](auto& x) { return erf(x); }, [](double x) { return std::erf(x); },
       cat(linspace(-6, 6, 60001), logspace(1e-30, 1, 3000, true)), 1e-37},
      {"sin", [](auto& x) { return sin(x); }, [](double x) { return std::sin(x); },
       cat(linspace(-200, 200, 60001), linspace(-1e5, 1e5, 20001)), 2e-6},
      {"cos", [](auto& x) { return cos(x); }, [](double x) { return std::cos(x); },
       cat(linspace(-200, 200, 60001), linspace(-1e5, 1e5, 20001)), 2e-6},
  };
  for (auto& s : sweeps)
    for (DType d : {DType::f32, DType::f64})
      DYNAMIC_SECTION(s.name << " " << kt::dtype_str(d)) {
        auto v = kt::rounded(s.xs, d);
        auto n = static_cast<int64_t>(v.size());
        Tol tol = d == DType::f32 ? Tol{kt::kF32Trans.rel, s.abs_f32} : Tol{1e-12, 1e-15};
        CHECK_TENSOR(s.fn(kt::make(v, {n}, d)), kt::apply1(v, s.ref), Shape{n}, d, tol);
      }
}
