// Graph mode and the JIT equal eager mode for every op of runtime/op_list.h: each op is
// traced inside a kiln::function (jit = false: run by the execution plan on eager kernels;
// jit = true: elementwise ops fused and compiled to native code), then compared with the
// same op run eagerly. A new op without a case here fails; an elementwise op without a
// scalar lowering (passes/ScalarLowering.cpp) fails the JIT half.
#include <catch2/catch.hpp>
#include <kiln/kiln.h>

#include <functional>
#include <map>
#include <string>

#include "op_cases.h"
#include "runtime/op_list.h"

using namespace kiln;
using kiln::test::OpCase;
using kiln::test::op_cases;

bool elementwise(const OpInfo& op) {
  for (const char* f : {"binary", "unary", "compare", "logical", "select", "cast"})
    if (std::string(op.family) == f) return true;
  return false;
}

TEST_CASE("graph mode and the JIT equal eager mode for every op", "[function][ops]") {
  auto table = op_cases();
  const bool jit = GENERATE(false, true);
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name << (jit ? " (jit)" : " (graph)"));
    auto it = table.find(op.name);
    REQUIRE(it != table.end());  // every op in the list needs a graph-mode case
    const OpCase& c = it->second;
    FunctionOptions options = c.options(op.name);
    options.jit = jit;
    int runs = 0;
    auto f = kiln::function([&](const std::vector<Tensor>& xs) {
      ++runs;
      return c.fn(xs);
    }, options);
    Tensor got = f(c.inputs);
    Tensor want = c.fn(c.inputs);
    REQUIRE(runs == 1);
    // The op really went through the graph: the traced IR names it (factories are
    // computed while tracing and become constants or inputs instead).
    std::string ir = f.ir(c.inputs, Stage::traced);
    if (std::string(op.family) != "factory" && std::string(op.family) != "random")
      CHECK(ir.find(std::string("kiln.") + op.name) != std::string::npos);
    // Under the JIT every elementwise op lowers into a fused kernel.
    if (jit && elementwise(op)) {
      std::string fused = f.ir(c.inputs, Stage::fused);
      auto at = fused.find("kiln.fusion");
      REQUIRE(at != std::string::npos);
      CHECK(fused.find(std::string("kiln.") + op.name, at) != std::string::npos);
    }
    REQUIRE(got.dtype() == want.dtype());
    REQUIRE(got.shape() == want.shape());
    // f32 throughout; the JIT's transcendental functions are polynomials a few ulp from
    // the eager kernels' (1e-6 relative is about 8 ulp).
    auto g = got.to_vector<double>(), w = want.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(w[i]).epsilon(1e-6).margin(1e-7));
    f(c.inputs);  // a cached call
    CHECK(runs == 1);
  }
  for (const auto& [name, c] : table) {
    bool listed = false;
    for (const OpInfo& op : kOps) listed |= name == op.name;
    CHECK(listed);  // a case for an op that left the list
  }
}

TEST_CASE("every traced op carries a source location", "[function][ir]") {
  auto f = kiln::function([](Tensor x, Tensor y) {
    Tensor z = tanh(x * 2.0f + y);  // operators fall back to the kiln::function call
    z = softmax(z, -1);
    Tensor c = cond(sum(z) > 0.0f, [&] { return z; }, [&] { return -z; });
    print(c, "c");
    return c;
  });
  std::string ir = f.ir(random_normal({2, 3}, 1), random_normal({3}, 2), Stage::traced);
  CHECK(ir.find("loc(unknown)") == std::string::npos);
  CHECK(ir.find("unknown") == std::string::npos);
  CHECK(ir.find("test_graph_ops.cpp") != std::string::npos);
}
