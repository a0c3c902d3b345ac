// Loops in compiled functions update their carried state in place (a carried value dies
// at its last use in the body; kiln.index_update writes one entry of a dying tensor). A
// random tester: bodies of 1 to 5 ops per dtype (floats, i32, booleans) over operands
// holding the edge values (+-0, subnormals, huge, inf, NaN), a stack written each
// iteration, 0 to 5 iterations; graph mode and the JIT must give eager's bits (NaN for
// NaN, the sign of zero included).
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace kiln;

namespace {

using Op = std::function<Tensor(const Tensor& a, const Tensor& x)>;

std::vector<std::pair<std::string, Op>> ops_for(DType d) {
  if (d == DType::boolean)
    return {{"not a", [](auto& a, auto&) { return logical_not(a); }},
            {"a and x", [](auto& a, auto& x) { return logical_and(a, x); }},
            {"a or x", [](auto& a, auto& x) { return logical_or(a, x); }},
            {"a != x", [](auto& a, auto& x) { return not_equal(a, x); }}};
  std::vector<std::pair<std::string, Op>> ops{
      {"a + x", [](auto& a, auto& x) { return a + x; }},
      {"a * x", [](auto& a, auto& x) { return a * x; }},
      {"-a", [](auto& a, auto&) { return negative(a); }},
      {"max(a, x)", [](auto& a, auto& x) { return maximum(a, x); }},
      {"where(a < x, a, x)", [](auto& a, auto& x) { return where(a < x, a, x); }},
      {"square(a)", [](auto& a, auto&) { return square(a); }}};
  if (d == DType::f32 || d == DType::f64) {
    ops.push_back({"sqrt(abs(a))", [](auto& a, auto&) { return sqrt(abs(a)); }});
    ops.push_back({"tanh(a) - x", [](auto& a, auto& x) { return tanh(a) - x; }});
    ops.push_back({"a / x", [](auto& a, auto& x) { return a / x; }});
  }
  return ops;
}

/// Values at the edges of `d` (and ordinary ones), shuffled into 12 elements.
Tensor edge_values(DType d, std::mt19937_64& rng) {
  std::vector<double> v;
  if (d == DType::f32)
    v = {0.0, -0.0, 1e-40, -1e-45, 3e38, -3e38, INFINITY, -INFINITY, NAN, 1.0, -2.5, 0.75};
  else if (d == DType::f64)
    v = {0.0, -0.0, 1e-310, -5e-324, 1e308, -1e308, INFINITY, -INFINITY, NAN, 1.0, -2.5, 0.75};
  else if (d == DType::i32)
    v = {0, 1, -1, 2147483647.0, -2147483648.0, 46341, -46341, 7, -3, 100, 65536, 2};
  else
    v = {0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0};
  std::shuffle(v.begin(), v.end(), rng);
  return Tensor::from<double>(v, {3, 4}).astype(d);
}

/// The same bits (any NaN for a NaN: payloads are not part of the contract).
bool same_bits(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape()) return false;
  const Tensor g = got.astype(DType::f64), w = want.astype(DType::f64);
  const auto a = g.to_vector<double>(), b = w.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::isnan(a[i]) && std::isnan(b[i])) &&
        std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i]))
      return false;
  return true;
}

}  // namespace

TEST_CASE("random loops: state updated in place gives eager's bits at the edges",
          "[function][control][loop]") {
  std::mt19937_64 rng(77);
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::boolean}) {
    const auto ops = ops_for(d);
    for (int seed = 0; seed < 12; ++seed) {
      const int64_t steps = static_cast<int64_t>(rng() % 6);
      std::vector<size_t> chosen(1 + rng() % 5);
      for (size_t& k : chosen) k = rng() % ops.size();
      std::string what = std::to_string(steps) + " steps of";
      for (size_t k : chosen) what += " " + ops[k].first + ";";
      INFO(dtype_name(d) << " seed " << seed << ": " << what);
      const Tensor a0 = edge_values(d, rng), x = edge_values(d, rng);
      auto body = [&, steps, chosen](Tensor a, Tensor xx) {
        // The initial state is the caller's argument: the plan's sole-owner check must
        // keep the in-place updates off it.
        auto out = for_range(steps,
                             [&](const Tensor& i, const std::vector<Tensor>& c) {
                               Tensor s = c[0];
                               for (size_t k : chosen) s = ops[k].second(s, xx);
                               return std::vector<Tensor>{s, index_update(c[1], i, s)};
                             },
                             {a, zeros({std::max<int64_t>(steps, 1), 3, 4}, d)});
        return std::vector<Tensor>{out[0], out[1], a};
      };
      const auto want = body(a0, x);
      for (bool jit : {false, true}) {
        FunctionOptions o;
        o.jit = jit;
        auto f = kiln::function(body, o);
        for (int call = 0; call < 2; ++call) {  // the second call runs the cached plan
          const auto got = f(a0, x);
          INFO((jit ? "jit" : "graph mode") << ", call " << call);
          REQUIRE(got.size() == 3);
          CHECK(same_bits(got[0], want[0]));
          CHECK(same_bits(got[1], want[1]));
          CHECK(same_bits(got[2], a0));  // the argument is not written over
        }
      }
    }
  }
}
