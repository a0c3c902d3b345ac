// Walks kiln::kOps (runtime/op_list.h): every op in the list must have an entry here that
// runs it eagerly against a reference. A new op without an entry fails this test, and an
// entry for an op that left the list fails too.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "binary_cases.h"
#include "reference.h"
#include "runtime/op_list.h"
#include "unary_cases.h"

using namespace kiln;
using kt::kExact;
using kt::Tol;

namespace {

using Check = std::function<void()>;

const std::vector<double> kA{-2.5, -1, 0, 0.5, 1.5, 3};
const std::vector<double> kB{1.5, -2, 4, 0.25, -1, 2};  // nonzero
const Shape kS{2, 3};

Tensor fa(DType d = DType::f32) { return kt::make(kt::rounded(kA, d), kS, d); }
Tensor fb(DType d = DType::f32) { return kt::make(kt::rounded(kB, d), kS, d); }

/// A binary op on (2, 3) operands from its row's domains, and broadcasting against a row.
void binary(const test::BinaryRow& r) {
  const DType d = r.dtypes().front();  // f32, or boolean for the logical ops
  auto va = r.lhs_values(d, 6, 1), vb = r.rhs_values(d, 3, 2);
  auto ref = [&](double x, double y) { return r.reference(x, y, is_integer(d)); };
  const Tol tol = r.gives_booleans() ? kExact : kt::kF32Trans;
  Tensor a = kt::make(va, kS, d), row = kt::make(vb, {3}, d);
  CHECK_TENSOR(r.apply(a, row), kt::broadcast_apply(va, kS, vb, {3}, ref), kS, r.result(d), tol);
  std::vector<double> vb6(vb);
  vb6.insert(vb6.end(), vb.rbegin(), vb.rend());
  CHECK_TENSOR(r.apply(a, kt::make(vb6, kS, d)), kt::broadcast_apply(va, kS, vb6, kS, ref), kS,
               r.result(d), tol);
}

void unary(const std::function<Tensor(const Tensor&)>& op, const std::function<double(double)>& ref,
           const std::vector<double>& in = kA) {
  for (DType d : {DType::f32, DType::f64}) {
    auto v = kt::rounded(in, d);
    CHECK_TENSOR(op(kt::make(v, {static_cast<int64_t>(v.size())}, d)), kt::apply1(v, ref),
                 Shape{static_cast<int64_t>(v.size())}, d, kt::trans_tol(d));
  }
}

std::map<std::string, Check> checks() {
  std::map<std::string, Check> m;
  // ---- factories
  m["zeros"] = [] {
    CHECK_TENSOR(zeros({2, 2}, DType::i32), std::vector<double>(4, 0), Shape{2, 2}, DType::i32,
                 kExact);
  };
  m["ones"] = [] {
    CHECK_TENSOR(ones({3}), std::vector<double>(3, 1), Shape{3}, DType::f32, kExact);
  };
  m["full"] = [] {
    CHECK_TENSOR(full({2}, -1.5, DType::f64), std::vector<double>(2, -1.5), Shape{2}, DType::f64,
                 kExact);
  };
  m["arange"] = [] {
    CHECK_TENSOR(arange(4), std::vector<double>{0, 1, 2, 3}, Shape{4}, DType::i64, kExact);
    CHECK_TENSOR(arange(0.0, 1.0, 0.25), std::vector<double>{0, 0.25, 0.5, 0.75}, Shape{4},
                 DType::f32, kExact);
  };
  m["eye"] = [] {
    CHECK_TENSOR(eye(2), std::vector<double>{1, 0, 0, 1}, Shape{2, 2}, DType::f32, kExact);
  };
  m["random_uniform"] = [] {
    auto v = random_uniform({1000}, 3, -1, 1).to_vector<float>();
    CHECK(v == random_uniform({1000}, 3, -1, 1).to_vector<float>());
    double s = 0;
    bool in_range = true;
    for (float x : v) {
      s += x;
      in_range = in_range && x >= -1 && x <= 1;
    }
    CHECK(in_range);
    CHECK(std::fabs(s / 1000) < 0.1);
  };
  m["random_normal"] = [] {
    auto v = random_normal({2000}, 3).to_vector<float>();
    CHECK(v == random_normal({2000}, 3).to_vector<float>());
    double s = 0, q = 0;
    for (float x : v) {
      s += x;
      q += double(x) * x;
    }
    CHECK(std::fabs(s / 2000) < 0.15);
    CHECK(std::fabs(q / 2000 - 1) < 0.15);
  };
  m["random_int"] = [] {
    auto v = random_int({4000}, 3, -3, 4).to_vector<int64_t>();
    CHECK(v == random_int({4000}, 3, -3, 4).to_vector<int64_t>());
    std::map<int64_t, int> counts;
    for (int64_t x : v) ++counts[x];
    REQUIRE(counts.size() == 7);  // every value of [-3, 4), nothing else
    CHECK(counts.begin()->first == -3);
    CHECK(counts.rbegin()->first == 3);
    for (auto [value, n] : counts) CHECK(std::abs(n - 4000.0 / 7) < 5 * std::sqrt(4000.0 / 7));
    auto w =
        random_int({1000}, 4, INT32_MIN, int64_t{INT32_MAX} + 1, DType::i32).to_vector<int32_t>();
    CHECK(*std::min_element(w.begin(), w.end()) < -1000000000);  // the whole range is reached
    CHECK(*std::max_element(w.begin(), w.end()) > 1000000000);
  };
  // ---- binary: every op's row of binary_cases.h, f32 (booleans for the logical ops)
  for (const test::BinaryRow& r : test::binary_rows()) m[r.name] = [r] { binary(r); };
  // ---- unary: every op's row of unary_cases.h, on the values of kA in its range
  for (const test::UnaryRow& r : test::unary_rows()) {
    if (r.kind == rules::ElementwiseKind::logical) {
      m[r.name] = [r] {
        std::vector<bool> want;
        for (double v : {1.0, 0.0}) want.push_back(r.reference(v) != 0);
        CHECK(r.apply(Tensor::from(std::vector<bool>{true, false}, {2})).to_vector<bool>() == want);
      };
      continue;
    }
    m[r.name] = [r] {
      std::vector<double> in;
      for (double v : kA)
        if (v >= r.lo && v <= r.hi) in.push_back(v);
      REQUIRE(in.size() >= 3);
      unary(r.apply, r.reference, in);
    };
  }
  m["where"] = [] {
    auto c = Tensor::from(std::vector<bool>{true, false, true}, {3});
    CHECK(where(c, fa(), fb()).to_vector<float>() ==
          std::vector<float>{-2.5f, -2.f, 0.f, 0.5f, -1.f, 3.f});
  };
  m["cast"] = [] {
    CHECK(cast(fa(), DType::i32).to_vector<int32_t>() == std::vector<int32_t>{-2, -1, 0, 0, 1, 3});
    CHECK(cast(fa(), DType::boolean).to_vector<bool>() ==
          std::vector<bool>{true, true, false, true, true, true});
  };
  // ---- reductions
  m["sum"] = [] {
    CHECK_TENSOR(sum(fa(), 1), std::vector<double>{-3.5, 5}, Shape{2}, DType::f32, kt::kF32Arith);
    CHECK_TENSOR(sum(fa()), std::vector<double>{1.5}, Shape{}, DType::f32, kt::kF32Arith);
  };
  m["mean"] = [] {
    CHECK_TENSOR(mean(fa(), 0, true), std::vector<double>{-1, 0.25, 1.5}, Shape{1, 3}, DType::f32,
                 kt::kF32Arith);
  };
  m["max"] = [] {
    CHECK_TENSOR(max(fa(), -1), std::vector<double>{0, 3}, Shape{2}, DType::f32, kExact);
  };
  m["min"] = [] {
    CHECK_TENSOR(min(fa(), 0), std::vector<double>{-2.5, -1, 0}, Shape{3}, DType::f32, kExact);
  };
  m["argmax"] = [] {
    CHECK_TENSOR(argmax(fb(), 1), std::vector<double>{2, 2}, Shape{2}, DType::i64, kExact);
    CHECK_TENSOR(argmax(fb(), 0), std::vector<double>{0, 1, 0}, Shape{3}, DType::i64, kExact);
  };
  m["argmin"] = [] {  // kA: {-2.5, -1, 0, 0.5, 1.5, 3}
    CHECK_TENSOR(argmin(fa(), 1), std::vector<double>{0, 0}, Shape{2}, DType::i64, kExact);
    CHECK_TENSOR(argmin(fa(), 0, true), std::vector<double>{0, 0, 0}, Shape{1, 3}, DType::i64,
                 kExact);
    CHECK_TENSOR(argmin(Tensor::from<int32_t>({4, 1, 1, 7}, {4})), std::vector<double>{1}, Shape{},
                 DType::i64, kExact);
  };
  // ---- scans
  m["cumsum"] = [] {
    CHECK_TENSOR(cumsum(fa(), 1), std::vector<double>{-2.5, -3.5, -3.5, 0.5, 2, 5}, Shape{2, 3},
                 DType::f32, kExact);
    CHECK_TENSOR(cumsum(fa(), 0, true), std::vector<double>{-2, 0.5, 3, 0.5, 1.5, 3}, Shape{2, 3},
                 DType::f32, kExact);
    CHECK_TENSOR(cumsum(Tensor::from<int32_t>({INT32_MAX, 1, 2}, {3}), 0),
                 std::vector<double>{INT32_MAX, INT32_MIN, INT32_MIN + 2}, Shape{3}, DType::i32,
                 kExact);  // wraps
  };
  // ---- shape
  m["reshape"] = [] {
    CHECK_TENSOR(reshape(fa(), {3, -1}), kt::rounded(kA, DType::f32), Shape{3, 2}, DType::f32,
                 kExact);
  };
  m["transpose"] = [] {
    CHECK_TENSOR(transpose(fa()), std::vector<double>{-2.5, 0.5, -1, 1.5, 0, 3}, Shape{3, 2},
                 DType::f32, kExact);
  };
  m["broadcast_to"] = [] {
    CHECK_TENSOR(broadcast_to(Tensor::from<int32_t>({1, 2}, {2, 1}), {2, 3}),
                 std::vector<double>{1, 1, 1, 2, 2, 2}, Shape{2, 3}, DType::i32, kExact);
  };
  m["expand_dims"] = [] {
    CHECK_TENSOR(expand_dims(fa(), -1), kt::rounded(kA, DType::f32), Shape{2, 3, 1}, DType::f32,
                 kExact);
  };
  m["squeeze"] = [] {
    CHECK_TENSOR(squeeze(reshape(fa(), {1, 6, 1})), kt::rounded(kA, DType::f32), Shape{6},
                 DType::f32, kExact);
  };
  m["slice"] = [] {
    CHECK_TENSOR(slice(fa(), {1, -2}, {2, 3}), std::vector<double>{1.5, 3}, Shape{1, 2}, DType::f32,
                 kExact);
  };
  m["concat"] = [] {
    CHECK_TENSOR(concat({fa(), fb()}, 1),
                 std::vector<double>{-2.5, -1, 0, 1.5, -2, 4, 0.5, 1.5, 3, 0.25, -1, 2},
                 Shape{2, 6}, DType::f32, kExact);
  };
  m["gather"] = [] {
    CHECK_TENSOR(gather(fa(), Tensor::from<int64_t>({1, 1, 0}, {3})),
                 std::vector<double>{0.5, 1.5, 3, 0.5, 1.5, 3, -2.5, -1, 0}, Shape{3, 3},
                 DType::f32, kExact);
  };
  m["index_update"] = [] {
    // Row 1 of a replaced by row 0 of b; then column 0 of a by column 2 of b.
    CHECK_TENSOR(
        index_update(fa(), Tensor::scalar<int32_t>(1), reshape(slice(fb(), {0, 0}, {1, 3}), {3})),
        std::vector<double>{-2.5, -1, 0, 1.5, -2, 4}, kS, DType::f32, kExact);
    CHECK_TENSOR(index_update(fa(), Tensor::scalar<int64_t>(0),
                              reshape(slice(fb(), {0, 2}, {2, 3}), {2}), 1),
                 std::vector<double>{4, -1, 0, 2, 1.5, 3}, kS, DType::f32, kExact);
    Tensor x = fa();
    index_update(x, Tensor::scalar<int64_t>(0), zeros({3}));
    CHECK_TENSOR(x, kt::rounded(kA, DType::f32), kS, DType::f32, kExact);  // x itself unchanged
  };
  m["shape"] = [] {
    CHECK_TENSOR(shape(fa()), std::vector<double>{2, 3}, Shape{2}, DType::i64, kExact);
    CHECK_TENSOR(dim(fa(), -1), std::vector<double>{3}, Shape{}, DType::i64, kExact);
  };
  m["dynamic_reshape"] = [] {
    CHECK_TENSOR(reshape(fa(), Tensor::from<int64_t>({3, -1}, {2})), kt::rounded(kA, DType::f32),
                 Shape{3, 2}, DType::f32, kExact);
  };
  m["sum_to"] = [] {
    auto a = kt::rounded(kA, DType::f32);
    CHECK_TENSOR(sum_to(fa(), zeros({1, 3})),
                 std::vector<double>{a[0] + a[3], a[1] + a[4], a[2] + a[5]}, Shape{1, 3},
                 DType::f32, kt::kF32Arith);
    CHECK_TENSOR(sum_to(fa(), zeros({2, 1})),
                 std::vector<double>{a[0] + a[1] + a[2], a[3] + a[4] + a[5]}, Shape{2, 1},
                 DType::f32, kt::kF32Arith);
  };
  m["one_hot"] = [] {
    CHECK_TENSOR(one_hot(Tensor::from<int64_t>({2, -1}, {2}), 3),
                 std::vector<double>{0, 0, 1, 0, 0, 0}, Shape{2, 3}, DType::f32, kExact);
  };
  // ---- linear algebra
  m["matmul"] = [] {
    // (2,3) @ (3,2) with b = transpose(fb)
    auto a = kt::rounded(kA, DType::f32), b = kt::rounded(kB, DType::f32);
    std::vector<double> want(4, 0);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        for (int k = 0; k < 3; ++k)
          want[static_cast<size_t>(i * 2 + j)] +=
              a[static_cast<size_t>(i * 3 + k)] * b[static_cast<size_t>(j * 3 + k)];
    CHECK_TENSOR(matmul(fa(), transpose(fb())), want, Shape{2, 2}, DType::f32, kt::kF32Arith);
  };
  // ---- composites
  m["softmax"] = [] {
    auto x = Tensor::from<double>({0, std::log(3.0), 1000, 1000}, {2, 2});
    CHECK_TENSOR(softmax(x), std::vector<double>{0.25, 0.75, 0.5, 0.5}, Shape{2, 2}, DType::f64,
                 kt::kF64);
  };
  m["log_softmax"] = [] {
    auto x = Tensor::from<double>({0, std::log(3.0), 1000, 1000}, {2, 2});
    CHECK_TENSOR(log_softmax(x),
                 std::vector<double>{std::log(0.25), std::log(0.75), std::log(0.5), std::log(0.5)},
                 Shape{2, 2}, DType::f64, kt::kF64);
  };
  m["layer_norm"] = [] {
    auto x = Tensor::from<double>({1, 3, -2, 2}, {2, 2});
    auto g = Tensor::from<double>({2, 1}, {2});
    auto b = Tensor::from<double>({0, 10}, {2});
    // Row (1, 3): mean 2, var 1 -> (-1, 1)/sqrt(1+eps). Row (-2, 2): var 4 -> (-2, 2)/sqrt(4+eps).
    double eps = 1e-5, r0 = 1 / std::sqrt(1 + eps), r1 = 2 / std::sqrt(4 + eps);
    CHECK_TENSOR(layer_norm(x, g, b, eps), std::vector<double>{-2 * r0, 10 + r0, -2 * r1, 10 + r1},
                 Shape{2, 2}, DType::f64, kt::kF64);
  };
  m["softmax_cross_entropy"] = [] {
    auto x = Tensor::from<double>({0, std::log(3.0), 1000, 1000}, {2, 2});
    auto l = Tensor::from<int32_t>({0, 1}, {2});
    CHECK_TENSOR(softmax_cross_entropy(x, l), std::vector<double>{-std::log(0.25), -std::log(0.5)},
                 Shape{2}, DType::f64, kt::kF64);
  };
  // ---- side effects
  m["print"] = [] {
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    try {
      print(Tensor::from<int32_t>({1, 2}, {2}), "v");
    } catch (...) {
      std::cout.rdbuf(old);
      throw;
    }
    std::cout.rdbuf(old);
    CHECK(captured.str() == "v: " + Tensor::from<int32_t>({1, 2}, {2}).str() + "\n");
  };
  // ---- collectives: this test's world is one process, where each is the identity (the
  // distributed tests check them across ranks)
  m["all_reduce"] = [] {
    auto x = Tensor::from<int32_t>({3, -1, 7}, {3});
    for (auto op :
         {distributed::ReduceOp::sum, distributed::ReduceOp::max, distributed::ReduceOp::min})
      CHECK_TENSOR(distributed::all_reduce(x, op), std::vector<double>{3, -1, 7}, Shape{3},
                   DType::i32, kt::kExact);
    auto f = Tensor::from<double>({0.5, -2}, {2, 1});
    CHECK_TENSOR(distributed::all_reduce(f, distributed::ReduceOp::mean),
                 std::vector<double>{0.5, -2}, Shape{2, 1}, DType::f64, kt::kExact);
    CHECK_THROWS_WITH(distributed::all_reduce(x, distributed::ReduceOp::mean),
                      Catch::Contains("mean of a i32"));
  };
  m["all_gather"] = [] {
    auto x = Tensor::from<bool>({true, false}, {1, 2});
    CHECK_TENSOR(distributed::all_gather(x), std::vector<double>{1, 0}, Shape{1, 2}, DType::boolean,
                 kt::kExact);
    CHECK_TENSOR(distributed::all_gather(Tensor::scalar<int64_t>(5)), std::vector<double>{5},
                 Shape{1}, DType::i64, kt::kExact);
  };
  m["collective_broadcast"] = [] {
    auto x = Tensor::from<float>({1.5f, 2.5f}, {2});
    CHECK_TENSOR(distributed::broadcast(x, 0), std::vector<double>{1.5, 2.5}, Shape{2}, DType::f32,
                 kt::kExact);
    CHECK_THROWS_WITH(distributed::broadcast(x, 1), Catch::Contains("root 1"));
  };
  return m;
}

}  // namespace

TEST_CASE("every op in the op list has an eager check", "[op_list]") {
  auto m = checks();
  std::set<std::string> listed;
  for (const auto& op : kOps) {
    listed.insert(op.name);
    DYNAMIC_SECTION(op.name << " (" << op.family << ")") {
      auto it = m.find(op.name);
      INFO("op '" << op.name << "' is in runtime/op_list.h but has no check in test_op_list.cpp");
      REQUIRE(it != m.end());
      it->second();
    }
  }
  SECTION("no check for an op that is not in the list") {
    for (auto& [name, fn] : m) {
      INFO("test_op_list.cpp checks '" << name << "', which runtime/op_list.h does not list");
      CHECK(listed.count(name) == 1);
    }
  }
}

TEST_CASE("op list: names are unique and OpId indexes kOps", "[op_list]") {
  std::set<std::string> names;
  for (const auto& op : kOps) {
    INFO(op.name);
    CHECK(names.insert(op.name).second);
    CHECK(std::string(op.family).size() > 0);
  }
  CHECK(std::string(kOps[static_cast<int>(OpId::add)].name) == "add");
  CHECK(std::string(kOps[static_cast<int>(OpId::matmul)].name) == "matmul");
  CHECK(std::string(kOps[static_cast<int>(OpId::print)].name) == "print");
}
