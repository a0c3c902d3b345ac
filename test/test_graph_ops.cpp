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

#include "runtime/op_list.h"

using namespace kiln;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
struct Case {
  std::vector<Tensor> inputs;
  Fn fn;
};

std::map<std::string, Case> cases() {
  Tensor a = random_normal({2, 3}, 1), b = random_normal({3}, 2);
  Tensor pos = random_uniform({2, 3}, 3, 0.5f, 2.0f);
  Tensor m = random_normal({2, 4, 3}, 4), n = random_normal({3, 5}, 5);
  Tensor mask = Tensor::from<bool>({true, false, true, false, false, true}, {2, 3});
  Tensor idx = Tensor::from<int64_t>({2, 0, 1, 1}, {2, 2});
  Tensor labels = Tensor::from<int32_t>({2, 0}, {2});
  Tensor gamma = random_uniform({3}, 6), beta = random_normal({3}, 7);
  std::map<std::string, Case> c;
  auto ab = [&](std::function<Tensor(const Tensor&, const Tensor&)> f) {
    return Case{{a, b}, [f](const std::vector<Tensor>& x) { return f(x[0], x[1]); }};
  };
  auto un = [&](const Tensor& in, std::function<Tensor(const Tensor&)> f) {
    return Case{{in}, [f](const std::vector<Tensor>& x) { return f(x[0]); }};
  };
  c["zeros"] = un(a, [](const Tensor& x) { return x + zeros({3}); });
  c["ones"] = un(a, [](const Tensor& x) { return x * ones({2, 3}); });
  c["full"] = un(a, [](const Tensor& x) { return x - full({}, 0.5f); });
  c["arange"] = un(a, [](const Tensor& x) { return x + arange(0.0, 3.0, 1.0); });
  c["eye"] = un(pos, [](const Tensor& x) { return matmul(x, eye(3)); });
  c["random_uniform"] = un(a, [](const Tensor& x) { return x + random_uniform({2, 3}, 9); });
  c["random_normal"] = un(a, [](const Tensor& x) { return x * random_normal({3}, 9); });
  c["add"] = ab([](const Tensor& x, const Tensor& y) { return add(x, y); });
  c["subtract"] = ab([](const Tensor& x, const Tensor& y) { return x - y; });
  c["multiply"] = ab([](const Tensor& x, const Tensor& y) { return x * y; });
  c["divide"] = Case{{a, pos}, [](const std::vector<Tensor>& x) { return x[0] / x[1]; }};
  c["pow"] = Case{{pos, b}, [](const std::vector<Tensor>& x) { return pow(x[0], x[1]); }};
  c["maximum"] = ab([](const Tensor& x, const Tensor& y) { return maximum(x, y); });
  c["minimum"] = ab([](const Tensor& x, const Tensor& y) { return minimum(x, y); });
  c["equal"] = un(a, [](const Tensor& x) { return equal(x, x * 1.0f); });
  c["not_equal"] = ab([](const Tensor& x, const Tensor& y) { return not_equal(x, y); });
  c["less"] = ab([](const Tensor& x, const Tensor& y) { return less(x, y); });
  c["less_equal"] = ab([](const Tensor& x, const Tensor& y) { return x <= y; });
  c["greater"] = ab([](const Tensor& x, const Tensor& y) { return x > y; });
  c["greater_equal"] = ab([](const Tensor& x, const Tensor& y) { return greater_equal(x, y); });
  c["logical_and"] = un(mask, [](const Tensor& x) { return logical_and(x, logical_not(x)); });
  c["logical_or"] = un(mask, [](const Tensor& x) { return logical_or(x, logical_not(x)); });
  c["negative"] = un(a, [](const Tensor& x) { return -x; });
  c["abs"] = un(a, [](const Tensor& x) { return abs(x); });
  c["relu"] = un(a, [](const Tensor& x) { return relu(x); });
  c["exp"] = un(a, [](const Tensor& x) { return exp(x); });
  c["log"] = un(pos, [](const Tensor& x) { return log(x); });
  c["sqrt"] = un(pos, [](const Tensor& x) { return sqrt(x); });
  c["rsqrt"] = un(pos, [](const Tensor& x) { return rsqrt(x); });
  c["tanh"] = un(a, [](const Tensor& x) { return tanh(x); });
  c["sigmoid"] = un(a, [](const Tensor& x) { return sigmoid(x); });
  c["gelu"] = un(a, [](const Tensor& x) { return gelu(x); });
  c["sin"] = un(a, [](const Tensor& x) { return sin(x); });
  c["cos"] = un(a, [](const Tensor& x) { return cos(x); });
  c["erf"] = un(a, [](const Tensor& x) { return erf(x); });
  c["logical_not"] = un(mask, [](const Tensor& x) { return logical_not(x); });
  c["where"] = Case{{mask, a, b}, [](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); }};
  c["cast"] = un(a, [](const Tensor& x) { return cast(x * 10.0f, DType::i32); });
  c["sum"] = un(m, [](const Tensor& x) { return sum(x, {0, 2}, true); });
  c["mean"] = un(m, [](const Tensor& x) { return mean(x, -1); });
  c["max"] = un(m, [](const Tensor& x) { return max(x, {1}); });
  c["min"] = un(m, [](const Tensor& x) { return min(x); });
  c["argmax"] = un(m, [](const Tensor& x) { return argmax(x, 1, true); });
  c["reshape"] = un(m, [](const Tensor& x) { return reshape(x, {4, -1}); });
  c["transpose"] = un(m, [](const Tensor& x) { return transpose(x, {2, 0, 1}); });
  c["broadcast_to"] = un(b, [](const Tensor& x) { return broadcast_to(x, {4, 3}); });
  c["expand_dims"] = un(a, [](const Tensor& x) { return expand_dims(x, -1); });
  c["squeeze"] = un(a, [](const Tensor& x) { return squeeze(expand_dims(x, 0)); });
  c["slice"] = un(m, [](const Tensor& x) { return slice(x, {0, 1, -2}, {2, 3, 3}); });
  c["concat"] = ab([](const Tensor& x, const Tensor& y) { return concat({x, expand_dims(y, 0)}, 0); });
  c["gather"] = Case{{m, idx}, [](const std::vector<Tensor>& x) { return gather(x[0], x[1], 2); }};
  c["one_hot"] = un(idx, [](const Tensor& x) { return one_hot(x, 3); });
  c["matmul"] = Case{{m, n}, [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); }};
  c["softmax"] = un(m, [](const Tensor& x) { return softmax(x, 1); });
  c["log_softmax"] = un(m, [](const Tensor& x) { return log_softmax(x); });
  c["layer_norm"] = Case{{a, gamma, beta}, [](const std::vector<Tensor>& x) {
                           return layer_norm(x[0], x[1], x[2], 1e-5);
                         }};
  c["softmax_cross_entropy"] = Case{{a, labels}, [](const std::vector<Tensor>& x) {
                                      return softmax_cross_entropy(x[0], x[1]);
                                    }};
  // print is an effect with no result: it is checked for ordering in test_function.cpp;
  // here it must at least trace and run without changing the value it passes on.
  c["print"] = un(a, [](const Tensor& x) {
    print(x, "graph-ops");
    return x;
  });
  return c;
}

}  // namespace

bool elementwise(const OpInfo& op) {
  for (const char* f : {"binary", "unary", "compare", "logical", "select", "cast"})
    if (std::string(op.family) == f) return true;
  return false;
}

TEST_CASE("graph mode and the JIT equal eager mode for every op", "[function][ops]") {
  auto table = cases();
  const bool jit = GENERATE(false, true);
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name << (jit ? " (jit)" : " (graph)"));
    auto it = table.find(op.name);
    REQUIRE(it != table.end());  // every op in the list needs a graph-mode case
    const Case& c = it->second;
    FunctionOptions options;
    options.jit = jit;
    options.name = op.name;
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
