// "No silent wrong answers": each defect a new user found at the edges, as a
// case that fails if it comes back. Compiled results are compared with eager ones bit for
// bit where the op is exact or where both run the same algorithm (kiln's elementary
// functions are one implementation for eager and jit: runtime/math_algorithms.h).
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace kiln;

namespace {

/// Same dtype, shape and bytes (NaN payloads aside: any NaN matches any NaN).
void check_identical(const Tensor& got, const Tensor& want, const char* what) {
  INFO(what);
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  if (is_floating(want.dtype())) {
    auto g = got.to_vector<double>(), w = want.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) {
      if (std::isnan(w[i]) && std::isnan(g[i])) continue;
      INFO("element " << i << ": got " << g[i] << ", want " << w[i]);
      CHECK(std::bit_cast<uint64_t>(g[i]) == std::bit_cast<uint64_t>(w[i]));
    }
  } else {
    CHECK(got.to_vector<int64_t>() == want.to_vector<int64_t>());
  }
}

FunctionOptions with_jit(bool jit, bool fast_math = false) {
  FunctionOptions options;
  options.jit = jit;
  options.fast_math = fast_math;
  return options;
}

/// fn eagerly, in graph mode and with the JIT: all three must be identical.
template <class Fn, class... Args>
void check_modes(Fn fn, const Args&... args) {
  Tensor want = fn(args...);
  auto graph = kiln::function(fn, with_jit(false));
  auto jit = kiln::function(fn, with_jit(true));
  check_identical(graph(args...), want, "graph mode");
  check_identical(jit(args...), want, "jit");
}

/// f32 values from every binade, both signs, and the special ones.
std::vector<float> f32_edges(size_t random_count, uint32_t seed) {
  std::vector<float> v = {0.0f,
                          -0.0f,
                          1e-45f,
                          -1e-45f,
                          1.17549435e-38f,
                          5e-39f,
                          1e-30f,
                          2e-5f,
                          -2e-5f,
                          1e-3f,
                          0.5f,
                          1.0f,
                          -1.0f,
                          1.5707964f,
                          3.1415927f,
                          4.712389f,
                          6.2831855f,
                          100.0f,
                          1e4f,
                          99999.0f,
                          100001.0f,
                          1e6f,
                          -1e6f,
                          1e30f,
                          -1e30f,
                          3.4e38f,
                          -3.4e38f,
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()};
  for (float x = -10.0f; x <= 10.0f; x += 0.25f) v.push_back(x);
  // Near multiples of pi/2, where a reduction that loses bits loses the result.
  for (int k = 1; k < 4000; k += 7) {
    float m = static_cast<float>(k * 1.5707963267948966);
    v.push_back(m);
    v.push_back(std::nextafter(m, 0.0f));
    v.push_back(std::nextafter(m, 1e30f));
  }
  std::mt19937 rng(seed);
  for (size_t i = 0; i < random_count; ++i) {
    float x = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    v.push_back(x);
  }
  return v;
}

}  // namespace

TEST_CASE("boolean comparisons are the same compiled and eager", "[edges][bool]") {
  // Booleans are i1 in the JIT: compared as signed, true would be -1 < 0.
  Tensor b = Tensor::from(std::vector<bool>{true, false, true, true, false, false}, {2, 3});
  Tensor c = Tensor::from(std::vector<bool>{true, false, false}, {3});
  check_modes([](Tensor x) { return less(x, 0); }, b);
  check_modes([](Tensor x) { return less(x, 1); }, b);
  check_modes([](Tensor x) { return greater(x, 0); }, b);
  check_modes([](Tensor x) { return less_equal(x, 0); }, b);
  check_modes([](Tensor x) { return greater_equal(x, 1); }, b);
  check_modes([](Tensor x) { return greater(1, x); }, b);
  check_modes([](Tensor x) { return less(0, x); }, b);
  check_modes([](Tensor x, Tensor y) { return less(x, y); }, b, c);
  check_modes([](Tensor x, Tensor y) { return greater_equal(x, y); }, b, c);
  check_modes([](Tensor x, Tensor y) { return greater(y, x); }, b, c);
  // Eagerly, true > false, as in NumPy.
  CHECK(greater(Tensor::scalar(true), Tensor::scalar(false)).item<bool>());
  CHECK_FALSE(less(Tensor::scalar(true), 0).item<bool>());
}

TEST_CASE("f32 elementary functions: compiled equals eager, bit for bit", "[edges][math]") {
  // The JIT runs the eager kernels' own algorithms (runtime/math_algorithms.h), including
  // the C library's sinf/cosf for |x| > 1e5, so nothing may differ in any bit.
  const std::vector<float> data = f32_edges(20000, 7);
  Tensor x = Tensor::from(data, {static_cast<int64_t>(data.size())});
  check_modes([](Tensor t) { return exp(t); }, x);
  check_modes([](Tensor t) { return log(t); }, x);
  check_modes([](Tensor t) { return sqrt(t); }, x);
  check_modes([](Tensor t) { return rsqrt(t); }, x);
  check_modes([](Tensor t) { return tanh(t); }, x);
  check_modes([](Tensor t) { return sigmoid(t); }, x);
  check_modes([](Tensor t) { return sin(t); }, x);
  check_modes([](Tensor t) { return cos(t); }, x);
  check_modes([](Tensor t) { return erf(t); }, x);
  check_modes([](Tensor t) { return gelu(t); }, x);
}

TEST_CASE("f64 elementary functions: compiled equals eager, bit for bit", "[edges][math]") {
  std::vector<double> data;
  for (float f : f32_edges(5000, 11)) data.push_back(f);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) data.push_back(std::bit_cast<double>(rng()));
  Tensor x = Tensor::from(data, {static_cast<int64_t>(data.size())});
  check_modes([](Tensor t) { return exp(t); }, x);
  check_modes([](Tensor t) { return log(t); }, x);
  check_modes([](Tensor t) { return tanh(t); }, x);
  check_modes([](Tensor t) { return sigmoid(t); }, x);
  check_modes([](Tensor t) { return sin(t); }, x);
  check_modes([](Tensor t) { return cos(t); }, x);
  check_modes([](Tensor t) { return erf(t); }, x);
  check_modes([](Tensor t) { return gelu(t); }, x);
}

TEST_CASE("pow with a constant operand is the C library's pow, compiled and eager",
          "[edges][math]") {
  // LLVM rewrites a recognized pow call with a constant operand (pow(x, 2.0) into x * x,
  // pow(x, -1.0) into 1 / x, pow(2.0, x) into exp2(x)): each within an ulp of glibc's pow,
  // which is not correctly rounded, but not equal to it (about 1 in 1600 random f64 squares
  // differ). The JIT calls pow as written, as the eager kernel does.
  std::mt19937_64 rng(29);
  std::vector<double> f64;
  for (int i = 0; i < 20000; ++i) {
    const double m = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
    f64.push_back(std::ldexp(m, static_cast<int>(rng() % 1200) - 700));
  }
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e308, -1e-308, 4.9e-324}) f64.push_back(v);
  f64.push_back(std::numeric_limits<double>::infinity());
  f64.push_back(-std::numeric_limits<double>::infinity());
  f64.push_back(std::numeric_limits<double>::quiet_NaN());
  std::vector<float> f32;
  for (double v : f64) f32.push_back(static_cast<float>(v));
  for (float v : f32_edges(5000, 31)) f32.push_back(v);
  for (const Tensor& x : {Tensor::from(f64, {static_cast<int64_t>(f64.size())}),
                          Tensor::from(f32, {static_cast<int64_t>(f32.size())})}) {
    INFO(dtype_name(x.dtype()));
    for (double c : {2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.0, 0.0, 1.0 / 3.0}) {
      INFO("exponent " << c);
      check_modes([c](Tensor t) { return pow(t, c); }, x);
    }
    for (double c : {2.0, 10.0, 0.5, -2.0, 1.0}) {
      INFO("base " << c);
      // Moderate exponents, so that the powers are not all 0 or inf.
      check_modes([c](Tensor t) { return pow(c, minimum(maximum(t, -300.0), 300.0)); }, x);
    }
  }
}

TEST_CASE("f32 sin/cos/gelu stay accurate where the old JIT lost them", "[edges][math]") {
  // Against long double: tiny arguments, 1e6, ±1e30, near multiples of pi/2; gelu's tail.
  auto ulp_error = [](float got, long double want) {
    if (std::isinf(want)) return got == want ? 0.0L : 1e30L;
    int e;
    std::frexp(static_cast<double>(want), &e);
    long double ulp = std::ldexp(1.0L, std::max(e, -125) - 24);
    return std::fabs(static_cast<long double>(got) - want) / ulp;
  };
  auto f = kiln::function([](Tensor t) { return std::vector<Tensor>{sin(t), cos(t), gelu(t)}; });
  std::vector<float> xs = {2e-5f,     -2e-5f, 1e6f,  -1e6f, 1e30f, -1e30f,     1.5707964f,
                           4.712389f, -5.0f,  -6.0f, -7.5f, -9.0f, 12867.963f, 102943.71f};
  auto r = f(Tensor::from(xs, {static_cast<int64_t>(xs.size())}));
  auto s = r[0].to_vector<float>(), c = r[1].to_vector<float>(), g = r[2].to_vector<float>();
  for (size_t i = 0; i < xs.size(); ++i) {
    const long double x = xs[i];
    INFO("x = " << xs[i]);
    CHECK(ulp_error(s[i], std::sin(x)) <= 2);
    CHECK(ulp_error(c[i], std::cos(x)) <= 2);
    CHECK(ulp_error(g[i], 0.5L * x * std::erfc(-x / std::sqrt(2.0L))) <= 16);
    if (x < 0 && x > -10) CHECK(g[i] < 0.0f);  // not -0: the true value is a normal number
  }
}

TEST_CASE("the JIT does not contract a*b+c across ops unless fast_math", "[edges][fp]") {
  // x*2 - x at 3.4e38: x*2 overflows to inf eagerly; an FMA would give 3.4e38.
  Tensor x = Tensor::from<float>({3.4e38f, 1.0f, -3.4e38f, 0.1f}, {4});
  auto fn = [](Tensor t) { return t * 2.0f - t; };
  check_modes(fn, x);
  auto exact = kiln::function(fn);
  CHECK(exact(x).to_vector<float>()[0] == std::numeric_limits<float>::infinity());
  // 0.1f * 10 - 1 is 0 when the product rounds first (eager), 1.49e-8 as one FMA.
  Tensor a = Tensor::from<float>({0.1f}, {1}), b = Tensor::from<float>({10.0f}, {1});
  check_modes([](Tensor p, Tensor q) { return p * q - 1.0f; }, a, b);
  // fast_math: the module says so and the kernels may contract.
  auto fast = kiln::function(fn, with_jit(true, /*fast_math=*/true));
  CHECK(fast.ir(x, Stage::fused).find("kiln.fast_math") != std::string::npos);
  CHECK(fast.ir(x, Stage::lowered).find("fastmath<contract>") != std::string::npos);
  CHECK(exact.ir(x, Stage::lowered).find("fastmath<contract>") == std::string::npos);
}

TEST_CASE("log_softmax keeps the precision of its result, not of the largest logit",
          "[edges][composites]") {
  // (x - max) - log sum, not x - (max + log sum): NumPy/PyTorch give [-log 2, -log 2, -3e7].
  Tensor x = Tensor::from<float>({3e7f, 3e7f, 1.0f}, {1, 3});
  for (bool jit : {false, true}) {
    INFO("jit " << jit);
    auto f = kiln::function([](Tensor t) { return log_softmax(t); }, with_jit(jit));
    for (const Tensor& r : {log_softmax(x), f(x)}) {
      auto v = r.to_vector<float>();
      CHECK(v[0] == Approx(-0.6931472f).epsilon(1e-6));
      CHECK(v[1] == Approx(-0.6931472f).epsilon(1e-6));
      CHECK(v[2] == Approx(-3e7f).epsilon(1e-7));
    }
    // A column (axis 0) takes the strided path of the eager kernel.
    auto g = kiln::function([](Tensor t) { return log_softmax(t, 0); }, with_jit(jit));
    CHECK(g(transpose(x)).to_vector<float>()[0] == Approx(-0.6931472f).epsilon(1e-6));
  }
  // f64 cross-entropy of logits 1e17 apart from nothing: log 2, not 0.
  Tensor logits = Tensor::from<double>({1e17, 1e17}, {1, 2});
  Tensor labels = Tensor::from<int64_t>({0}, {1});
  auto loss = kiln::function([](Tensor l, Tensor y) { return softmax_cross_entropy(l, y); });
  CHECK(softmax_cross_entropy(logits, labels).item<double>() == Approx(std::log(2.0)));
  CHECK(loss(logits, labels).item<double>() == Approx(std::log(2.0)));
}

TEST_CASE("C++ scalars outside the tensor's dtype are refused, never wrapped or saturated",
          "[edges][scalar]") {
  Tensor i32 = Tensor::from<int32_t>({0, 5, -7}, {3});
  Tensor i64 = Tensor::from<int64_t>({INT64_MAX, 0}, {2});
  Tensor f32 = Tensor::from<float>({1.0f}, {1});
  Tensor b = Tensor::from(std::vector<bool>{true}, {1});
  auto refused = [](auto fn, const char* what) {
    INFO(what);
    try {
      fn();
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("out of range") != std::string::npos);
    }
  };
  refused([&] { less(i32, 1LL << 33); }, "i32 < 2^33");
  refused([&] { equal(Tensor::scalar<int32_t>(0), 4294967296LL); }, "i32 == 2^32");
  refused([&] { add(i32, INT64_MIN); }, "i32 + INT64_MIN");
  refused([&] { equal(i64, 1e30); }, "i64 == 1e30");
  refused([&] { less(i64, 9223372036854775808.0); }, "i64 < 2^63");
  refused([&] { equal(i64, UINT64_MAX); }, "i64 == UINT64_MAX");
  refused([&] { multiply(f32, 1e300); }, "f32 * 1e300");
  refused([&] { full({2}, 3e9, DType::i32); }, "full i32 3e9");
  CHECK_THROWS_AS(equal(b, 2), Error);
  // At the edges of the range: accepted, exactly.
  CHECK(equal(Tensor::scalar<int32_t>(INT32_MAX), INT32_MAX).item<bool>());
  CHECK(equal(Tensor::scalar<int32_t>(INT32_MIN), static_cast<int64_t>(INT32_MIN)).item<bool>());
  CHECK(equal(i64, INT64_MAX).to_vector<bool>()[0]);
  CHECK(less(i64, -9223372036854775808.0).to_vector<bool>()[0] == false);
  CHECK(std::isinf(multiply(f32, std::numeric_limits<double>::infinity()).item<float>()));
  CHECK(add(Tensor::from<float>({0.0f}, {1}), UINT64_MAX).item<float>() == 1.8446744e19f);
  // Traced: the same refusal.
  auto f = kiln::function([](Tensor t) { return less(t, 1LL << 33); });
  CHECK_THROWS_AS(f(i32), Error);
}

namespace {

/// The message of the kiln::Error `fn` throws ("" and a failed check if none).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL_CHECK("no kiln::Error");
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("impossible sizes are errors naming the op, never a wrapped count", "[edges][sizes]") {
  const int64_t big = int64_t{1} << 40;
  std::string m = error_of([&] { zeros({big, big}); });
  CHECK(contains(m, "[zeros]"));
  CHECK(contains(m, "more elements than a tensor can hold"));
  CHECK(contains(m, "test_edges.cpp"));  // the user's line
  CHECK(contains(error_of([&] { eye(big); }), "[eye]"));
  CHECK(contains(error_of([&] { ones({big, big, big}, DType::f64); }), "[ones]"));
  CHECK(contains(error_of([&] { full({int64_t{1} << 61}, 1.0, DType::f64); }), "bytes"));
  CHECK(contains(error_of([&] { arange(0.0, 1e30, 1e-30); }), "[arange]"));
  CHECK(contains(error_of([&] { arange(0.0, 1.0, 1e-300); }), "[arange]"));
  CHECK(contains(error_of([&] { random_normal({big, big}, 1); }), "[random_normal]"));
  CHECK(contains(error_of([&] { zeros({-3, 2}); }), "dimensions must be >= 0"));
  CHECK(contains(error_of([&] { numel_of({big, big}); }), "more elements"));
  Tensor x = zeros({4});
  CHECK(contains(error_of([&] { reshape(x, {big, big, 0, -1}); }), "[reshape]"));
  CHECK(contains(error_of([&] { broadcast_to(x, {big, big, 4}); }), "[broadcast_to]"));
  CHECK(contains(error_of([&] { one_hot(arange(3), int64_t{1} << 62); }), "[one_hot]"));
  CHECK(contains(error_of([&] { broadcast_to(x, {-2, 4}); }), "[broadcast_to]"));
  // Traced: the same errors while tracing, nothing left in the cache.
  auto f = kiln::function([&](Tensor t) { return broadcast_to(t, {big, big, 4}); });
  CHECK(contains(error_of([&] { f(x); }), "[broadcast_to]"));
  CHECK(f.cache_size() == 0);
  auto g = kiln::function([&](Tensor t) { return reshape(t, {big, big, 0, -1}); });
  CHECK(contains(error_of([&] { g(x); }), "[reshape]"));
  // At the edge: an empty tensor of a huge shape is fine (zero elements).
  CHECK(zeros({big, 0, big}).numel() == 0);
}

TEST_CASE("errors raised while a compiled function runs name the op and the user's line",
          "[edges][errors]") {
  Tensor a = Tensor::from<int32_t>({1, 2, 3}, {3}), z = Tensor::from<int32_t>({1, 0, 1}, {3});
  for (bool jit : {false, true}) {
    INFO("jit " << jit);
    auto f = kiln::function([](Tensor p, Tensor q) { return divide(p * 2, q); }, with_jit(jit));
    f(a, Tensor::from<int32_t>({1, 1, 1}, {3}));  // traced and cached
    std::string m = error_of([&] { f(a, z); });   // the cached plan runs the kernel
    CHECK(contains(m, "[divide] integer division by zero"));
    CHECK(contains(m, "test_edges.cpp"));
    CHECK_FALSE(contains(m, "op_dispatch"));
    CHECK_FALSE(contains(m, "compiler/"));
  }
  // An op that runs another on its behalf is reported as the one the user called.
  CHECK(contains(error_of([] { zeros({-1}); }), "[zeros]"));
  // Inside a branch, ops are the user's: not reported as the cond's.
  auto h = kiln::function([](Tensor p) {
    return cond(
        greater(sum(p), 0), [&] { return std::vector<Tensor>{matmul(p, p)}; },
        [&] { return std::vector<Tensor>{p}; })[0];
  });
  CHECK(contains(error_of([&] { h(zeros({2, 3})); }), "[matmul]"));
}

TEST_CASE("ops kiln runs for the user point at the user's line", "[edges][errors]") {
  MLP model({8, 4, 2}, 1);
  std::string m = error_of([&] { model(zeros({3, 5})); });
  CHECK(contains(m, "[Dense]"));
  CHECK(contains(m, "test_edges.cpp"));
  // Traced: the layer's ops are call sites of kiln's lines from the user's.
  auto f = kiln::function([&](Tensor x) { return model(x); });
  const std::string ir = f.ir(zeros({3, 8}), Stage::traced);
  CHECK(contains(ir, "callsite("));
  CHECK(contains(ir, "test_edges.cpp"));
  CHECK_FALSE(contains(ir, "loc(unknown)"));
}

TEST_CASE("a dynamic dimension is never a silent number", "[edges][dynamic]") {
  FunctionOptions sig;
  sig.input_signature = std::vector<TensorSpec>{{{-1, 4}, DType::f32}};
  // Reading the batch size on the host while tracing: an error naming the argument and
  // axis that says what to use, and nothing left in the cache.
  auto bad = kiln::function([](Tensor x) { return sum(x, 0) / float(x.shape()[0]); }, sig);
  std::string m = error_of([&] { bad(ones({3, 4})); });
  CHECK(contains(m, "dimension 0 of argument 0"));
  CHECK(contains(m, "kiln::dim(x, 0)"));
  CHECK(bad.cache_size() == 0);
  CHECK_THROWS_AS(kiln::function([](Tensor x) { return reshape(x, x.shape()); }, sig)(ones({2, 4})),
                  Error);
  // The traced forms: the size at run time, for every batch.
  auto good = kiln::function(
      [](Tensor x) {
        Tensor n = dim(x, 0);
        return std::vector<Tensor>{
            sum(x, 0) / cast(n, DType::f32), cast(shape(x), DType::f32),
            reshape(x, concat({expand_dims(n * 2, 0), full({1}, -1, DType::i64)}))};
      },
      sig);
  for (int64_t rows : {1, 3, 10}) {
    INFO("rows " << rows);
    Tensor x = random_normal({rows, 4}, static_cast<uint64_t>(rows));
    auto r = good(x);
    check_identical(r[0], sum(x, 0) / static_cast<float>(rows), "mean by dim");
    CHECK(r[1].to_vector<float>() == std::vector<float>{static_cast<float>(rows), 4});
    CHECK(r[2].shape() == Shape{rows * 2, 2});
  }
  CHECK(good.trace_count() == 1);
  // Rank and static dimensions stay readable while tracing.
  auto static_ok = kiln::function([](Tensor x) { return x * float(x.shape()[1] + x.rank()); }, sig);
  check_identical(static_ok(ones({5, 4})), ones({5, 4}) * 6.0f, "static dimension");
}

TEST_CASE("reduce_retracing never bakes a generalized size into a graph", "[edges][dynamic]") {
  FunctionOptions options;
  options.reduce_retracing = true;
  auto f = kiln::function([](Tensor x) { return sum(x, 0) / float(x.shape()[0]); }, options);
  for (int64_t rows : {2, 3, 4, 5, 3, 7}) {
    INFO("rows " << rows);
    Tensor x = random_normal({rows, 4}, static_cast<uint64_t>(rows));
    check_identical(f(x), sum(x, 0) / static_cast<float>(rows), "mean");
  }
  // (2), then the generalized (?) trace read a size: one trace per size from then on.
  CHECK(f.trace_count() == 5);
  // The traced form generalizes as before.
  auto g =
      kiln::function([](Tensor x) { return sum(x, 0) / cast(dim(x, 0), DType::f32); }, options);
  for (int64_t rows : {2, 3, 4, 5}) {
    Tensor x = random_normal({rows, 4}, static_cast<uint64_t>(rows));
    check_identical(g(x), sum(x, 0) / static_cast<float>(rows), "mean by dim");
  }
  CHECK(g.trace_count() == 2);
}

TEST_CASE("squeeze() of a dynamic dimension is refused, not guessed", "[edges][dynamic]") {
  FunctionOptions sig;
  sig.input_signature = std::vector<TensorSpec>{{{-1, 3}, DType::f32}};
  auto f = kiln::function([](Tensor x) { return squeeze(x); }, sig);
  std::string m = error_of([&] { f(ones({1, 3})); });
  CHECK(contains(m, "[squeeze]"));
  CHECK(contains(m, "name the axes"));
  // Named axes are checked when the graph runs; reduce_retracing retraces per size.
  auto g = kiln::function([](Tensor x) { return squeeze(x, 0); }, sig);
  CHECK(g(ones({1, 3})).shape() == Shape{3});
  CHECK_THROWS_AS(g(ones({2, 3})), Error);
  FunctionOptions relaxed;
  relaxed.reduce_retracing = true;
  auto h = kiln::function([](Tensor x) { return squeeze(x); }, relaxed);
  for (int64_t rows : {2, 3, 1, 4})
    CHECK(h(ones({rows, 3})).shape() == squeeze(ones({rows, 3})).shape());
}

TEST_CASE("gradients through dynamic dimensions equal eager ones", "[edges][dynamic]") {
  // Broadcasts of dynamic dimensions (size 1 at run time or not), means over a dynamic
  // axis, reshapes: the graph sums and sizes at run time (kiln.sum_to, kiln.shape).
  FunctionOptions sig;
  sig.input_signature = std::vector<TensorSpec>{{{-1, -1}, DType::f64}, {{-1, -1}, DType::f64}};
  auto loss_of = [](const Tensor& x, const Tensor& y) {
    return mean(tanh(x * y + x) * (x - mean(y, 0)));
  };
  auto f = kiln::function(
      [&](Tensor x, Tensor y) {
        GradientTape tape;
        tape.watch(x);
        tape.watch(y);
        return tape.gradient(loss_of(x, y), std::vector<Tensor>{x, y});
      },
      sig);
  const std::vector<std::pair<Shape, Shape>> shapes{
      {{3, 4}, {3, 4}}, {{1, 4}, {5, 4}}, {{5, 1}, {5, 3}}, {{2, 3}, {1, 1}}};
  uint64_t seed = 1;
  for (const auto& [sx, sy] : shapes) {
    INFO("x " << shape_str(sx) << ", y " << shape_str(sy));
    Tensor x = random_normal(sx, seed++, 0, 1, DType::f64),
           y = random_normal(sy, seed++, 0, 1, DType::f64);
    GradientTape tape;
    tape.watch(x);
    tape.watch(y);
    auto want = tape.gradient(loss_of(x, y), std::vector<Tensor>{x, y});
    auto got = f(x, y);
    for (size_t k = 0; k < 2; ++k) {
      REQUIRE(got[k].shape() == want[k].shape());
      auto g = got[k].to_vector<double>(), w = want[k].to_vector<double>();
      for (size_t i = 0; i < g.size(); ++i)
        CHECK(g[i] == Approx(w[i]).epsilon(1e-12).margin(1e-14));
    }
  }
  CHECK(f.trace_count() == 1);
}

TEST_CASE("maximum and minimum are IEEE's, compiled and eager: NaN wins, -0 < +0",
          "[edges][extremes]") {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  std::vector<float> a = {0.0f, -0.0f, -0.0f, 0.0f, nan, 1.0f, nan, -inf, 3.0f};
  std::vector<float> b = {-0.0f, 0.0f, -0.0f, 0.0f, 1.0f, nan, nan, -0.0f, 3.0f};
  Tensor x = Tensor::from(a, {9}), y = Tensor::from(b, {9});
  check_modes([](Tensor p, Tensor q) { return maximum(p, q); }, x, y);
  check_modes([](Tensor p, Tensor q) { return minimum(p, q); }, x, y);
  auto mx = maximum(x, y).to_vector<float>(), mn = minimum(x, y).to_vector<float>();
  CHECK_FALSE(std::signbit(mx[0]));
  CHECK_FALSE(std::signbit(mx[1]));
  CHECK(std::signbit(mn[0]));
  CHECK(std::signbit(mn[1]));
  CHECK(std::isnan(mx[4]));
  CHECK(std::isnan(mn[5]));
  // Reductions too, over rows (row kernels) and columns, with zeros of both signs.
  Tensor z = Tensor::from<float>({-0.0f, 0.0f, -0.0f, -0.0f, 0.0f, 0.0f, -0.0f, -0.0f}, {2, 4});
  check_modes([](Tensor t) { return max(t, 1); }, z);
  check_modes([](Tensor t) { return min(t, 1); }, z);
  check_modes([](Tensor t) { return max(t, 0); }, z);
  check_modes([](Tensor t) { return max(t * 2.0f, 1) + 0.0f; }, z);
  CHECK_FALSE(std::signbit(max(z, 1).to_vector<float>()[0]));
  CHECK(std::signbit(min(z, 1).to_vector<float>()[1]));
}
