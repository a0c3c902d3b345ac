// One case per op of runtime/op_list.h: inputs (random, fixed seeds) and a function
// applying the op, on device `d` (factories inside make their values there). Shared by the
// tests that walk the op list: graph mode and the JIT against eager mode
// (test_graph_ops.cpp), CUDA against the CPU (gpu/cuda_ops_test.cpp, test_cuda_fake.cpp).
#pragma once

#include <kiln/kiln.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "binary_cases.h"
#include "unary_cases.h"

namespace kiln::test {

struct OpCase {
  std::vector<Tensor> inputs;
  std::function<Tensor(const std::vector<Tensor>&)> fn;
  /// Traced with every dimension dynamic (an input_signature of -1s): the run-time size
  /// ops appear in a graph only then (static sizes are constants).
  bool dynamic = false;

  /// The options a test traces the case with: named `name`, and for a dynamic case an
  /// input_signature of -1s.
  FunctionOptions options(const std::string& name) const {
    FunctionOptions o;
    o.name = name;
    if (dynamic) {
      std::vector<TensorSpec> specs;
      for (const Tensor& x : inputs)
        specs.push_back({Shape(static_cast<size_t>(x.rank()), -1), x.dtype()});
      o.input_signature = specs;
    }
    return o;
  }
};

inline std::map<std::string, OpCase> op_cases(Device d = {}) {
  Tensor a = random_normal({2, 3}, 1), b = random_normal({3}, 2);
  Tensor pos = random_uniform({2, 3}, 3, 0.5f, 2.0f);
  Tensor m = random_normal({2, 4, 3}, 4), n = random_normal({3, 5}, 5);
  Tensor mask = Tensor::from<bool>({true, false, true, false, false, true}, {2, 3});
  Tensor idx = Tensor::from<int64_t>({2, 0, 1, 1}, {2, 2});
  Tensor labels = Tensor::from<int32_t>({2, 0}, {2});
  Tensor gamma = random_uniform({3}, 6), beta = random_normal({3}, 7);
  std::map<std::string, OpCase> c;
  auto ab = [&](std::function<Tensor(const Tensor&, const Tensor&)> f) {
    return OpCase{{a, b}, [f](const std::vector<Tensor>& x) { return f(x[0], x[1]); }};
  };
  auto un = [&](const Tensor& in, std::function<Tensor(const Tensor&)> f) {
    return OpCase{{in}, [f](const std::vector<Tensor>& x) { return f(x[0]); }};
  };
  c["zeros"] = un(a, [d](const Tensor& x) { return x + zeros({3}, DType::f32, d); });
  c["ones"] = un(a, [d](const Tensor& x) { return x * ones({2, 3}, DType::f32, d); });
  c["full"] = un(a, [d](const Tensor& x) { return x - full({}, 0.5f, DType::f32, d); });
  c["arange"] = un(a, [d](const Tensor& x) { return x + arange(0.0, 3.0, 1.0).to(d); });
  c["eye"] = un(pos, [d](const Tensor& x) { return matmul(x, eye(3).to(d)); });
  c["random_uniform"] = un(a, [d](const Tensor& x) { return x + random_uniform({2, 3}, 9).to(d); });
  c["random_normal"] = un(a, [d](const Tensor& x) { return x * random_normal({3}, 9).to(d); });
  c["random_int"] =
      un(a, [d](const Tensor& x) { return x * cast(random_int({3}, 9, -4, 4), DType::f32).to(d); });
  for (const BinaryRow& r : binary_rows()) {  // binary_cases.h: (2, 3) against (3,)
    const DType t = r.dtypes().front();       // f32, or boolean for the logical ops
    c[r.name] = OpCase{
        {kt::make(r.lhs_values(t, 6, 11), {2, 3}, t), kt::make(r.rhs_values(t, 3, 12), {3}, t)},
        [f = r.apply](const std::vector<Tensor>& x) { return f(x[0], x[1]); }};
  }
  for (const UnaryRow& r : unary_rows()) {  // unary_cases.h: in the op's domain
    const Tensor& in = r.kind == rules::ElementwiseKind::logical ? mask : r.lo >= 0 ? pos : a;
    c[r.name] = un(in, r.apply);
  }
  c["where"] =
      OpCase{{mask, a, b}, [](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); }};
  c["cast"] = un(a, [](const Tensor& x) { return cast(x * 10.0f, DType::i32); });
  c["sum"] = un(m, [](const Tensor& x) { return sum(x, {0, 2}, true); });
  c["mean"] = un(m, [](const Tensor& x) { return mean(x, -1); });
  c["max"] = un(m, [](const Tensor& x) { return max(x, {1}); });
  c["min"] = un(m, [](const Tensor& x) { return min(x); });
  c["argmax"] = un(m, [](const Tensor& x) { return argmax(x, 1, true); });
  c["argmin"] = un(m, [](const Tensor& x) { return argmin(x, 2); });
  c["cumsum"] = un(m, [](const Tensor& x) { return cumsum(x, 1, true); });
  c["reshape"] = un(m, [](const Tensor& x) { return reshape(x, {4, -1}); });
  c["transpose"] = un(m, [](const Tensor& x) { return transpose(x, {2, 0, 1}); });
  c["broadcast_to"] = un(b, [](const Tensor& x) { return broadcast_to(x, {4, 3}); });
  c["expand_dims"] = un(a, [](const Tensor& x) { return expand_dims(x, -1); });
  c["squeeze"] = un(a, [](const Tensor& x) { return squeeze(expand_dims(x, 0)); });
  c["slice"] = un(m, [](const Tensor& x) { return slice(x, {0, 1, -2}, {2, 3, 3}); });
  c["concat"] = ab([](const Tensor& x, const Tensor& y) {
    return concat({x, expand_dims(y, 0)}, 0);
  });
  c["gather"] =
      OpCase{{m, idx}, [](const std::vector<Tensor>& x) { return gather(x[0], x[1], 2); }};
  c["one_hot"] = un(idx, [](const Tensor& x) { return one_hot(x, 3); });
  // x + 0 first: in a plan the updated tensor then dies at the update (updated in place).
  c["index_update"] = OpCase{
      {m, Tensor::scalar<int64_t>(2), random_normal({2, 3}, 8)},
      [](const std::vector<Tensor>& x) { return index_update(x[0] + 0.0f, x[1], x[2], 1) * 2.0f; }};
  c["shape"] = un(m, [](const Tensor& x) { return x * cast(dim(x, 1), DType::f32); });
  c["dynamic_reshape"] = un(m, [](const Tensor& x) {  // (2, 4, 3) -> (2, 3, 4)
    return reshape(x, shape(transpose(x, {0, 2, 1})));
  });
  c["sum_to"] = ab([](const Tensor& x, const Tensor& y) { return sum_to(x, y); });
  for (const char* name : {"shape", "dynamic_reshape", "sum_to"}) c[name].dynamic = true;
  c["matmul"] = OpCase{{m, n}, [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); }};
  c["softmax"] = un(m, [](const Tensor& x) { return softmax(x, 1); });
  c["log_softmax"] = un(m, [](const Tensor& x) { return log_softmax(x); });
  c["layer_norm"] = OpCase{{a, gamma, beta}, [](const std::vector<Tensor>& x) {
                             return layer_norm(x[0], x[1], x[2], 1e-5);
                           }};
  c["softmax_cross_entropy"] = OpCase{
      {a, labels}, [](const std::vector<Tensor>& x) { return softmax_cross_entropy(x[0], x[1]); }};
  // print is an effect with no result: it is checked for ordering in test_function.cpp;
  // here it must at least trace and run without changing the value it passes on.
  c["print"] = un(a, [](const Tensor& x) {
    print(x, "graph-ops");
    return x;
  });
  // The collectives, in this process's world: one rank in these tests (identities, and a
  // mean divides by 1), every rank's values in the distributed tests.
  c["all_reduce"] = un(a, [](const Tensor& x) {
    return distributed::all_reduce(x * 2.0f, distributed::ReduceOp::mean) + 1.0f;
  });
  c["all_gather"] = un(a, [](const Tensor& x) { return distributed::all_gather(x) - 1.0f; });
  c["collective_broadcast"] = un(a, [](const Tensor& x) { return distributed::broadcast(x, 0); });
  for (auto& [name, one] : c)
    for (Tensor& t : one.inputs) t = t.to(d);
  return c;
}

}  // namespace kiln::test
