// Loop fusion with dynamic dimensions (input_signature -1, reduce_retracing): the kernel
// reads the sizes at run time; a call whose dynamic dimension broadcasts runs the fusion's
// ops one by one instead. Results equal eager ones bit for bit, at every size (0 and 1
// too), and errors stay the op's.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace kiln;

namespace {

/// Bit-exact equality of two float tensors (NaN payloads included).
void check_same(const Tensor& got, const Tensor& want) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", want " << w[i]);
    REQUIRE(std::memcmp(&g[i], &w[i], sizeof(double)) == 0);
  }
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

FunctionOptions signature(std::vector<TensorSpec> specs) {
  FunctionOptions o;
  o.input_signature = std::move(specs);
  return o;
}

}  // namespace

TEST_CASE("a dynamic batch is fused into one kernel and equals eager at every size",
          "[jit][dynamic]") {
  auto body = [](Tensor x, Tensor b) { return tanh(x * 1.5f + b) * x - exp(-x); };
  auto f = kiln::function(body, signature({{{-1, 24}}, {{24}}}));
  const Tensor b = random_uniform({24}, 7, -1.0f, 1.0f);
  const std::string fused = f.ir(random_uniform({3, 24}, 1), b, Stage::fused);
  // As many kernels as the static-shape function has (the -x branch is a sibling chain).
  auto fixed = kiln::function(body);
  CHECK(count(fused, "kiln.fusion") == 2);
  CHECK(count(fixed.ir(random_uniform({3, 24}, 1), b, Stage::fused), "kiln.fusion") == 2);
  CHECK(fused.find("tensor<?x24xf32>") != std::string::npos);
  CHECK(f.ir(random_uniform({3, 24}, 1), b, Stage::lowered).find("vector<") != std::string::npos);
  for (int64_t n : {0, 1, 2, 7, 64, 1000, 4097}) {
    INFO("batch " << n);
    Tensor x = random_uniform({n, 24}, static_cast<uint64_t>(n) + 1, -3.0f, 3.0f);
    check_same(f(x, b), body(x, b));
  }
  CHECK(f.trace_count() == 1);
}

TEST_CASE("dynamic dimensions that merge with static ones, several of them, and f64",
          "[jit][dynamic]") {
  // (-1, -1, 5) against a (5) bias: one collapsed dimension of ? x ? rows of 5.
  auto body = [](Tensor x, Tensor b) { return maximum(x, b) * 2.0 + sqrt(abs(x)); };
  auto f = kiln::function(body, signature({{{-1, -1, 5}, DType::f64}, {{5}, DType::f64}}));
  const Tensor b = random_uniform({5}, 3).astype(DType::f64);
  const Tensor x0 = random_uniform({2, 3, 5}, 1).astype(DType::f64);
  auto fixed = kiln::function(body);
  CHECK(count(f.ir(x0, b, Stage::fused), "kiln.fusion") ==
        count(fixed.ir(x0, b, Stage::fused), "kiln.fusion"));
  CHECK(count(f.ir(x0, b, Stage::fused), "kiln.fusion") >= 1);
  for (auto [n, m] : {std::pair<int64_t, int64_t>{1, 1}, {2, 3}, {0, 4}, {9, 17}}) {
    Tensor x = random_uniform({n, m, 5}, 5, -2.0f, 2.0f).astype(DType::f64);
    check_same(f(x, b), body(x, b));
  }
}

TEST_CASE("a dynamic dimension that broadcasts at run time runs unfused, equal to eager",
          "[jit][dynamic]") {
  auto body = [](Tensor x, Tensor y) { return exp(x) * y + x; };
  auto f = kiln::function(body, signature({{{-1, 8}}, {{-1, 8}}}));
  CHECK(count(f.ir(random_uniform({2, 8}, 1), random_uniform({2, 8}, 2), Stage::fused),
              "kiln.fusion") == 1);
  for (auto [n, m] : {std::pair<int64_t, int64_t>{5, 5}, {1, 5}, {5, 1}, {0, 1}, {1, 0}, {1, 1}}) {
    INFO(n << " rows against " << m);
    Tensor x = random_uniform({n, 8}, 3), y = random_uniform({m, 8}, 4);
    check_same(f(x, y), body(x, y));
  }
  // Sizes that do not broadcast: the op's error, at the user's line, from the unfused steps.
  try {
    f(random_uniform({3, 8}, 3), random_uniform({2, 8}, 4));
    FAIL("no error");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find("(3, 8)") != std::string::npos);
    CHECK(m.find("(2, 8)") != std::string::npos);
    CHECK(m.find("test_dynamic_fusion.cpp") != std::string::npos);
  }
}

TEST_CASE("a dynamic inner dimension is left unfused; reduce_retracing fuses too",
          "[jit][dynamic]") {
  // (8, ?) against (8, 1): the collapsed layout would be dynamic past dimension 0.
  auto inner = [](Tensor x, Tensor y) { return x * y + 1.0f; };
  auto f = kiln::function(inner, signature({{{8, -1}}, {{8, 1}}}));
  Tensor y = random_uniform({8, 1}, 2);
  CHECK(count(f.ir(random_uniform({8, 3}, 1), y, Stage::fused), "kiln.fusion") == 0);
  for (int64_t n : {1, 6, 33}) {
    Tensor x = random_uniform({8, n}, 3);
    check_same(f(x, y), inner(x, y));
  }
  auto body = [](Tensor x) { return sigmoid(x) * x; };
  FunctionOptions o;
  o.reduce_retracing = true;
  auto g = kiln::function(body, o);
  for (int64_t n : {4, 9, 100, 1}) {
    Tensor x = random_uniform({n, 16}, static_cast<uint64_t>(n));
    check_same(g(x), body(x));
  }
  CHECK(g.trace_count() == 2);  // (4, 16), then (?, 16)
  CHECK(count(g.ir(random_uniform({9, 16}, 1), Stage::fused), "kiln.fusion") == 1);
}

TEST_CASE("booleans and integers through a dynamic fusion", "[jit][dynamic]") {
  auto body = [](Tensor x, Tensor k) {
    return where(x > 0.0f, x * 2.0f, -x) + cast(k, DType::f32);
  };
  auto f = kiln::function(body, signature({{{-1, 3}}, {{-1, 3}, DType::i32}}));
  for (int64_t n : {0, 1, 5, 70}) {
    Tensor x = random_uniform({n, 3}, 9, -1.0f, 1.0f);
    Tensor k = (random_uniform({n, 3}, 10, -50.0f, 50.0f)).astype(DType::i32);
    check_same(f(x, k), body(x, k));
  }
}
