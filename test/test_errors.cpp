// Bad inputs throw kiln::Error whose message names the op in brackets, the operand shapes
// and dtypes, and, for named ops (which take a std::source_location), this file and line.
#include <string>

#include "reference.h"
#include "binary_cases.h"
#include "unary_cases.h"

using namespace kiln;
using Catch::Contains;

namespace {

/// "test_errors.cpp:<line>"
std::string at(int line) { return "test_errors.cpp:" + std::to_string(line); }

}  // namespace

// Each check calls the op on the same line as __LINE__, so the message must carry it.
#define KILN_ERR(...) kt::error_of([&] { (void)(__VA_ARGS__); })

TEST_CASE("errors: shapes that do not broadcast", "[errors]") {
  auto a = zeros({2, 3});
  auto b = zeros({4});
  int line = __LINE__; auto msg = KILN_ERR(add(a, b));
  CHECK_THAT(msg, Contains("[add]") && Contains("(2, 3)") && Contains("(4,)") &&
                      Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(maximum(b, a));
  CHECK_THAT(msg, Contains("[maximum]") && Contains("(2, 3)") && Contains("(4,)") &&
                      Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(less(a, zeros({3, 3})));
  CHECK_THAT(msg, Contains("[less]") && Contains("(3, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(where(zeros({2, 3}, DType::boolean), a, zeros({5, 1, 2})));
  CHECK_THAT(msg, Contains("[where]") && Contains("(5, 1, 2)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(broadcast_to(a, {3, 3}));
  CHECK_THAT(msg, Contains("[broadcast_to]") && Contains("(2, 3)") && Contains("(3, 3)") &&
                      Contains(at(line)));
}

TEST_CASE("errors: operators name the op and operands", "[errors]") {
  auto a = zeros({2, 3});
  auto b = zeros({4});
  CHECK_THAT(KILN_ERR(a + b), Contains("[add]") && Contains("(2, 3)") && Contains("(4,)"));
  CHECK_THAT(KILN_ERR(a - b), Contains("[subtract]") && Contains("(2, 3)"));
  CHECK_THAT(KILN_ERR(a * b), Contains("[multiply]") && Contains("(2, 3)"));
  CHECK_THAT(KILN_ERR(a / zeros({2, 3}, DType::f64)),
             Contains("[divide]") && Contains("f32") && Contains("f64"));
  CHECK_THAT(KILN_ERR(-zeros({2}, DType::boolean)), Contains("[negative]") && Contains("boolean"));
}

TEST_CASE("errors: dtype mismatch", "[errors]") {
  auto a = zeros({2, 3});
  auto b = zeros({2, 3}, DType::f64);
  int line = __LINE__; auto msg = KILN_ERR(multiply(a, b));
  CHECK_THAT(msg, Contains("[multiply]") && Contains("f32") && Contains("f64") &&
                      Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(equal(zeros({2}, DType::i32), zeros({2}, DType::i64)));
  CHECK_THAT(msg, Contains("[equal]") && Contains("i32") && Contains("i64") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(where(zeros({2}), a, a));  // f32 condition
  CHECK_THAT(msg, Contains("[where]") && Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(where(zeros({2, 3}, DType::boolean), a, b));
  CHECK_THAT(msg, Contains("[where]") && Contains("f64") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(logical_and(a, a));
  CHECK_THAT(msg, Contains("[logical_and]") && Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(logical_not(zeros({3}, DType::i32)));
  CHECK_THAT(msg, Contains("[logical_not]") && Contains("i32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(add(ones({2}, DType::boolean), ones({2}, DType::boolean)));
  CHECK_THAT(msg, Contains("[add]") && Contains("boolean") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(concat({a, b}, 0));
  CHECK_THAT(msg, Contains("[concat]") && Contains("f32") && Contains("f64") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(matmul(a, zeros({3, 2}, DType::f64)));
  CHECK_THAT(msg, Contains("[matmul]") && Contains("f64") && Contains(at(line)));
}

TEST_CASE("errors: scalar operands the dtype cannot represent", "[errors]") {
  auto i = zeros({3}, DType::i32);
  int line = __LINE__; auto msg = KILN_ERR(add(i, 0.5));
  CHECK_THAT(msg, Contains("[add]") && Contains("i32") && Contains(at(line)));
  CHECK_THAT(KILN_ERR(i * 1.25f), Contains("[multiply]") && Contains("i32"));
  auto b = ones({2}, DType::boolean);
  line = __LINE__; msg = KILN_ERR(logical_or(b, 2));
  CHECK_THAT(msg, Contains("[logical_or]") && Contains("boolean") && Contains(at(line)));
}

TEST_CASE("errors: axis out of range", "[errors]") {
  auto x = zeros({2, 3});
  int line = __LINE__; auto msg = KILN_ERR(sum(x, 2));
  CHECK_THAT(msg, Contains("[sum]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(mean(x, {0, -3}));
  CHECK_THAT(msg, Contains("[mean]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(max(x, 5, true));
  CHECK_THAT(msg, Contains("[max]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(min(x, -3));
  CHECK_THAT(msg, Contains("[min]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(argmax(x, 2));
  CHECK_THAT(msg, Contains("[argmax]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(softmax(x, -3));
  CHECK_THAT(msg, Contains("[softmax]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(log_softmax(x, 2));
  CHECK_THAT(msg, Contains("[log_softmax]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(concat({x, x}, 2));
  CHECK_THAT(msg, Contains("[concat]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(gather(x, arange(1), 2));
  CHECK_THAT(msg, Contains("[gather]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(expand_dims(x, 3));
  CHECK_THAT(msg, Contains("[expand_dims]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(squeeze(x, 0));  // size 2, not 1
  CHECK_THAT(msg, Contains("[squeeze]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(transpose(x, {0, 2}));
  CHECK_THAT(msg, Contains("[transpose]") && Contains("(2, 3)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(slice(x, {0, 0}, {2, 4}));
  CHECK_THAT(msg, Contains("[slice]") && Contains("(2, 3)") && Contains(at(line)));
}

TEST_CASE("errors: matmul", "[errors]") {
  int line = __LINE__; auto msg = KILN_ERR(matmul(zeros({2, 3}), zeros({4, 5})));
  CHECK_THAT(msg, Contains("[matmul]") && Contains("(2, 3)") && Contains("(4, 5)") &&
                      Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(matmul(zeros({3}), zeros({3, 5})));
  CHECK_THAT(msg, Contains("[matmul]") && Contains("(3,)") && Contains("(3, 5)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(matmul(zeros({2, 3}), zeros({})));
  CHECK_THAT(msg, Contains("[matmul]") && Contains("()") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(matmul(zeros({2, 2, 3}), zeros({3, 3, 4})));
  CHECK_THAT(msg, Contains("[matmul]") && Contains("(2, 2, 3)") && Contains("(3, 3, 4)") &&
                      Contains(at(line)));
}

TEST_CASE("errors: reshape element count", "[errors]") {
  auto x = zeros({2, 3});
  int line = __LINE__; auto msg = KILN_ERR(reshape(x, {4, 2}));
  CHECK_THAT(msg, Contains("[reshape]") && Contains("(2, 3)") && Contains("(4, 2)") &&
                      Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(reshape(x, {-1, 4}));
  CHECK_THAT(msg, Contains("[reshape]") && Contains("(2, 3)") && Contains(at(line)));
  CHECK_THAT(KILN_ERR(Tensor::from<float>({1, 2, 3}, {2, 2})), Contains("(2, 2)"));
}

TEST_CASE("errors: gather and one_hot", "[errors]") {
  auto x = zeros({3, 2});
  int line = __LINE__; auto msg = KILN_ERR(gather(x, Tensor::from<int64_t>({0, 3}, {2})));
  CHECK_THAT(msg, Contains("[gather]") && Contains("(3, 2)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(gather(x, Tensor::from<int32_t>({-1}, {1}), 1));
  CHECK_THAT(msg, Contains("[gather]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(gather(x, zeros({2})));
  CHECK_THAT(msg, Contains("[gather]") && Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(one_hot(arange(3), -2));
  CHECK_THAT(msg, Contains("[one_hot]") && Contains("-2") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(one_hot(zeros({3}), 4));
  CHECK_THAT(msg, Contains("[one_hot]") && Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(softmax_cross_entropy(zeros({2, 3}), Tensor::from<int64_t>({0, 3}, {2})));
  CHECK_THAT(msg, Contains("[softmax_cross_entropy]") && Contains(at(line)));
}

TEST_CASE("errors: integer division by zero and negative integer powers", "[errors]") {
  auto a = Tensor::from<int32_t>({1, 2, 3}, {3});
  auto z = Tensor::from<int32_t>({1, 0, 1}, {3});
  int line = __LINE__; auto msg = KILN_ERR(divide(a, z));
  CHECK_THAT(msg, Contains("[divide]") && Contains("i32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(divide(a.astype(DType::i64), 0));
  CHECK_THAT(msg, Contains("[divide]") && Contains("i64") && Contains(at(line)));
  CHECK_THAT(KILN_ERR(a / z), Contains("[divide]"));
  // Also on the multi-threaded path, with the zero near the end.
  std::vector<int32_t> big(100000, 3);
  big[99990] = 0;
  CHECK_THAT(KILN_ERR(divide(ones({100000}, DType::i32), Tensor::from(big, {100000}))),
             Contains("[divide]"));
  line = __LINE__; msg = KILN_ERR(pow(a, Tensor::from<int32_t>({2, -1, 0}, {3})));
  CHECK_THAT(msg, Contains("[pow]") && Contains("i32") && Contains(at(line)));
}

TEST_CASE("errors: undefined tensors", "[errors]") {
  Tensor u;
  CHECK_FALSE(u.defined());
  auto x = zeros({2});
  int line = __LINE__; auto msg = KILN_ERR(add(u, x));
  CHECK_THAT(msg, Contains("[add]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(exp(u));
  CHECK_THAT(msg, Contains("[exp]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(sum(u));
  CHECK_THAT(msg, Contains("[sum]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(matmul(u, u));
  CHECK_THAT(msg, Contains("[matmul]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(reshape(u, {1}));
  CHECK_THAT(msg, Contains("[reshape]") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(concat({x, u}));
  CHECK_THAT(msg, Contains("[concat]") && Contains(at(line)));
  CHECK_THAT(KILN_ERR(u * 2), Contains("[multiply]"));
  CHECK_THAT(KILN_ERR(-u), Contains("[negative]"));
  CHECK_THROWS_AS(u.to_vector<float>(), Error);
  CHECK_THROWS_AS(u.item<float>(), Error);
  CHECK_THROWS_AS(u.astype(DType::f64), Error);
}

TEST_CASE("errors: item on a tensor that is not one element", "[errors]") {
  auto x = zeros({2, 3});
  auto msg = KILN_ERR(x.item<float>());
  CHECK_THAT(msg, Contains("item") && Contains("(2, 3)"));
  CHECK_THAT(KILN_ERR(zeros({0}).item<float>()), Contains("item"));
  CHECK(zeros({1, 1, 1}).item<float>() == 0.0f);  // one element of any rank is fine
}

TEST_CASE("errors: floating-only ops refuse integers", "[errors]") {
  auto i = Tensor::from<int32_t>({1, 2}, {2});
  int line = __LINE__; auto msg = KILN_ERR(exp(i));
  CHECK_THAT(msg, Contains("[exp]") && Contains("i32") && Contains("(2,)") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(log(i.astype(DType::i64)));
  CHECK_THAT(msg, Contains("[log]") && Contains("i64") && Contains(at(line)));
  // Every unary op refuses a dtype outside its kind, naming itself and the dtype.
  for (const test::UnaryRow& r : test::unary_rows()) {
    INFO(r.name);
    const DType refused = r.kind == rules::ElementwiseKind::floating  ? DType::i32
                          : r.kind == rules::ElementwiseKind::logical ? DType::f32
                                                                      : DType::boolean;
    CHECK_THAT(KILN_ERR(r.apply(ones({2}, refused))),
               Contains("[" + r.name + "]") && Contains(std::string(dtype_name(refused))));
  }
  CHECK_THAT(KILN_ERR(abs(ones({2}, DType::boolean))), Contains("[abs]") && Contains("boolean"));
  // So does every binary op (binary_cases.h), with a tensor or a scalar on the right.
  for (const test::BinaryRow& r : test::binary_rows()) {
    if (r.kind == rules::ElementwiseKind::compare) continue;  // compare takes every dtype
    INFO(r.name);
    const DType refused = r.kind == rules::ElementwiseKind::floating  ? DType::i32
                          : r.kind == rules::ElementwiseKind::logical ? DType::f32
                                                                      : DType::boolean;
    const Tensor x = ones({2}, refused);
    CHECK_THAT(KILN_ERR(r.apply(x, x)),
               Contains("[" + r.name + "]") && Contains(std::string(dtype_name(refused))));
    CHECK_THAT(KILN_ERR(r.apply_scalar(x, 1)),
               Contains("[" + r.name + "]") && Contains(std::string(dtype_name(refused))));
  }
}

TEST_CASE("errors: composites", "[errors]") {
  int line = __LINE__; auto msg = KILN_ERR(layer_norm(zeros({2, 4}), ones({3}), zeros({4})));
  CHECK_THAT(msg, Contains("[layer_norm]") && Contains("(3,)") && Contains("(2, 4)") &&
                      Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(softmax_cross_entropy(zeros({2, 3}), zeros({2})));
  CHECK_THAT(msg, Contains("[softmax_cross_entropy]") && Contains("f32") && Contains(at(line)));
  line = __LINE__; msg = KILN_ERR(softmax_cross_entropy(zeros({2, 3}), arange(3)));
  CHECK_THAT(msg, Contains("[softmax_cross_entropy]") && Contains("(3,)") && Contains(at(line)));
}

TEST_CASE("errors: a failing op leaves its inputs intact", "[errors]") {
  auto a = Tensor::from<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_THROWS_AS(add(a, zeros({4})), Error);
  CHECK_THROWS_AS(reshape(a, {5}), Error);
  CHECK(a.shape() == Shape{2, 3});
  CHECK(a.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  // And the library keeps working.
  CHECK((a + 1.0f).to_vector<float>() == std::vector<float>{2, 3, 4, 5, 6, 7});
}
