// Bad and extreme inputs for every op of runtime/op_list.h: dimensions near
// 2^63, products of dimensions that overflow, negative sizes, axes at INT64_MIN/MAX, huge
// aranges, empty tensors, ranks beyond what kernels specialize, undefined operands. Each case
// runs eagerly and traced (graph mode and JIT, the operands symbolic arguments): the only
// acceptable outcomes are a result or a kiln::Error, alike in every mode. Run in the
// ASan/UBSan build too (scripts/test.sh): no crash, no sanitizer report.
//
// A new op without an entry here fails; an entry for an op that left the list fails too.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "capture_cout.h"
#include "runtime/op_list.h"
#include "binary_cases.h"
#include "unary_cases.h"

using namespace kiln;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kBig = int64_t{1} << 40;

using Fn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

struct Case {
  std::string what;
  std::vector<Tensor> inputs;  // symbolic arguments when traced
  Fn fn;
};

std::vector<Tensor> one(Tensor t) { return {std::move(t)}; }

// Operands every family shares: an empty tensor, a rank-10 tensor whose dimensions
// alternate 1 and 2 (broadcasting against its mirror, a 1024-element result of rank 10),
// and scalars.
Tensor empty_2d(DType d = DType::f32) { return zeros({0, 3}, d); }
Shape alternating(int first) {
  Shape s;
  for (int i = 0; i < 10; ++i) s.push_back((i + first) % 2 == 0 ? 1 : 2);
  return s;
}
Tensor rank10(int first, DType d = DType::f32) { return ones(alternating(first), d); }

std::vector<Case> binary_cases(const std::string& name,
                               const std::function<Tensor(const Tensor&, const Tensor&)>& op,
                               const std::function<Tensor(const Tensor&, Scalar)>& op_scalar,
                               DType d) {
  return {
      {name + " of an empty tensor and a row",
       {empty_2d(d), ones({3}, d)},
       [op](auto& x) { return one(op(x[0], x[1])); }},
      {name + " of rank-10 operands broadcasting alternately",
       {rank10(0, d), rank10(1, d)},
       [op](auto& x) { return one(op(x[0], x[1])); }},
      {name + " of shapes that do not broadcast",
       {ones({2, 3}, d), ones({4}, d)},
       [op](auto& x) { return one(op(x[0], x[1])); }},
      {name + " with an undefined operand",
       {ones({2}, d)},
       [op](auto& x) { return one(op(x[0], Tensor())); }},
      {name + " with a scalar beyond the dtype",
       {ones({2}, d)},
       [op_scalar, d](auto& x) {
         return one(op_scalar(x[0], d == DType::f32 ? Scalar(1e300) : Scalar(1e30)));
       }},
      {name + " of rank-0 and empty",
       {ones({}, d), zeros({0}, d)},
       [op](auto& x) { return one(op(x[0], x[1])); }},
  };
}

std::vector<Case> unary_cases(const std::string& name,
                              const std::function<Tensor(const Tensor&)>& op, DType d) {
  return {
      {name + " of an empty tensor", {empty_2d(d)}, [op](auto& x) { return one(op(x[0])); }},
      {name + " of a rank-10 tensor",
       {rank10(0, d)},
       [op](auto& x) { return one(op(x[0] + x[0])); }},
      {name + " of an undefined tensor", {}, [op](auto&) { return one(op(Tensor())); }},
      {name + " of the wrong dtype",
       {ones({2}, d == DType::boolean ? DType::f32 : DType::boolean)},
       [op](auto& x) { return one(op(x[0])); }},
  };
}

std::vector<Case> reduce_cases(const std::string& name,
                               const std::function<Tensor(const Tensor&, Axes)>& op) {
  std::vector<Case> c;
  for (int64_t axis : {kMax, kMin, int64_t{2}, int64_t{-3}})
    c.push_back({name + " over axis " + std::to_string(axis), {ones({2, 3})}, [op, axis](auto& x) {
                   return one(op(x[0], Axes(axis)));
                 }});
  c.push_back({name + " over a repeated axis", {ones({2, 3})}, [op](auto& x) {
                 return one(op(x[0], Axes(std::vector<int64_t>{1, -1})));
               }});
  c.push_back({name + " over an empty axis", {empty_2d()}, [op](auto& x) {
                 return one(op(x[0], Axes(0)));
               }});
  c.push_back({name + " of an empty tensor, every axis", {empty_2d()}, [op](auto& x) {
                 return one(op(x[0], Axes()));
               }});
  c.push_back({name + " of a rank-10 broadcast", {rank10(0), rank10(1)}, [op](auto& x) {
                 return one(op(x[0] * x[1], Axes(std::vector<int64_t>{0, 3, 9})));
               }});
  return c;
}

std::vector<Case> shape_list_cases(const std::string& name,
                                   const std::function<Tensor(const Tensor&, Shape)>& op) {
  std::vector<Case> c;
  for (const Shape& s : std::vector<Shape>{{kMax},
                                           {kBig, kBig},
                                           {kBig, kBig, 4},
                                           {-5},
                                           {-1, -1},
                                           {kMin},
                                           {kMax, 0},
                                           {kBig, kBig, 0},
                                           {},
                                           {0}})
    c.push_back(
        {name + " to " + shape_str(s), {ones({4})}, [op, s](auto& x) { return one(op(x[0], s)); }});
  c.push_back({name + " of an empty tensor to (0, " + std::to_string(kBig) + ")",
               {zeros({0})},
               [op](auto& x) {
                 return one(op(x[0], {0, kBig}));
               }});
  return c;
}

std::map<std::string, std::vector<Case>> cases() {
  std::map<std::string, std::vector<Case>> m;
  // ---- factories: shapes and sizes from the extremes (the traced function's input only
  // carries them to the graph).
  for (const Shape& s :
       std::vector<Shape>{{kMax}, {kBig, kBig}, {-1}, {kMin, 1}, {kBig, kBig, 0}, {0, 5}}) {
    const std::string at = " of " + shape_str(s);
    m["zeros"].push_back(
        {"zeros" + at, {ones({1})}, [s](auto& x) { return one(x[0] + zeros(s)); }});
    m["ones"].push_back({"ones" + at, {ones({1})}, [s](auto& x) { return one(x[0] * ones(s)); }});
    m["full"].push_back(
        {"full" + at, {ones({1})}, [s](auto& x) { return one(x[0] - full(s, 2.5)); }});
    m["random_uniform"].push_back({"random_uniform" + at, {ones({1})}, [s](auto& x) {
                                     return one(x[0] + random_uniform(s, 1));
                                   }});
    m["random_normal"].push_back({"random_normal" + at, {ones({1})}, [s](auto& x) {
                                    return one(x[0] + random_normal(s, 1));
                                  }});
    m["random_int"].push_back({"random_int" + at, {ones({1}, DType::i64)}, [s](auto& x) {
                                 return one(x[0] + random_int(s, 1, 0, 10));
                               }});
  }
  m["random_int"].push_back({"random_int with lo == hi", {ones({1}, DType::i64)}, [](auto& x) {
                               return one(x[0] + random_int({2}, 1, 3, 3));
                             }});
  m["random_int"].push_back({"random_int of f32", {ones({1})}, [](auto& x) {
                               return one(x[0] + random_int({2}, 1, 0, 3, DType::f32));
                             }});
  m["random_int"].push_back({"random_int of i32 beyond its range", {ones({1}, DType::i32)},
                             [](auto& x) {
                               return one(x[0] + random_int({2}, 1, 0, kMax, DType::i32));
                             }});
  m["full"].push_back({"full of i32 with NaN", {ones({1}, DType::i32)}, [](auto& x) {
                         return one(x[0] + full({2}, std::nan(""), DType::i32));
                       }});
  m["random_uniform"].push_back({"random_uniform with lo > hi", {ones({1})}, [](auto& x) {
                                   return one(x[0] + random_uniform({2}, 1, 2, 1));
                                 }});
  m["random_normal"].push_back({"random_normal of i32", {ones({1})}, [](auto& x) {
                                  return one(x[0] + random_normal({2}, 1, 0, 1, DType::i32));
                                }});
  for (int64_t n : {kMax, kMin, int64_t{-1}, kBig, int64_t{0}})
    m["arange"].push_back({"arange(" + std::to_string(n) + ")",
                           {ones({1}, DType::i64)},
                           [n](auto& x) { return one(sum(x[0] + arange(n))); }});
  for (auto [a, b, step] : std::vector<std::array<double, 3>>{{0, 1e30, 1e-30},
                                                              {0, 1, 1e-300},
                                                              {0, INFINITY, 1},
                                                              {0, 1, 0},
                                                              {NAN, 1, 1},
                                                              {1, 0, 1},
                                                              {-1e308, 1e308, 1e-10}})
    m["arange"].push_back({"arange(" + std::to_string(a) + ", " + std::to_string(b) + ", " +
                               std::to_string(step) + ")",
                           {ones({1})},
                           [a, b, step](auto& x) { return one(sum(x[0] + arange(a, b, step))); }});
  for (int64_t n : {kMax, kBig, int64_t{-1}, int64_t{0}, int64_t{3037000500}})
    m["eye"].push_back({"eye(" + std::to_string(n) + ")", {ones({1})}, [n](auto& x) {
                          return one(sum(x[0] * eye(n)));
                        }});

  // ---- elementwise
  // Every binary op's row of binary_cases.h, on one of the dtypes it takes (a different one
  // from op to op, so that every dtype comes up).
  size_t nth = 0;
  for (const test::BinaryRow& r : test::binary_rows()) {
    const std::vector<DType> dtypes = r.dtypes();
    m[r.name] = binary_cases(r.name, r.apply, r.apply_scalar, dtypes[nth++ % dtypes.size()]);
  }
  m["divide"].push_back({"integer divide by zero in a rank-10 broadcast",
                         {rank10(0, DType::i32), rank10(1, DType::i32)},
                         [](auto& x) { return one(divide(x[0], x[1] - 1)); }});
  m["divide"].push_back({"INT64_MIN / -1", {full({2}, kMin, DType::i64)}, [](auto& x) {
                           return one(divide(x[0], -1));
                         }});
  m["pow"].push_back({"integer to a negative power", {ones({2}, DType::i32)}, [](auto& x) {
                        return one(pow(x[0], -1));
                      }});
  auto add_unary = [&](const std::string& name, auto op, DType d) {
    m[name] = unary_cases(
        name, [op](const Tensor& t) { return op(t); }, d);
  };
  for (const test::UnaryRow& r : test::unary_rows()) {  // unary_cases.h: a dtype each takes
    const DType d = r.kind == rules::ElementwiseKind::floating  ? DType::f64
                    : r.kind == rules::ElementwiseKind::logical ? DType::boolean
                                                                : DType::i64;
    add_unary(r.name, r.apply, d);
  }
  m["negative"].push_back(
      {"negative INT64_MIN", {full({3}, kMin, DType::i64)}, [](auto& x) { return one(-x[0]); }});
  m["abs"].push_back({"abs INT32_MIN", {full({3}, INT32_MIN, DType::i32)}, [](auto& x) {
                        return one(abs(x[0]));
                      }});
  m["where"] = {
      {"where of an empty condition",
       {zeros({0, 3}, DType::boolean), ones({3}), ones({1})},
       [](auto& x) { return one(where(x[0], x[1], x[2])); }},
      {"where of rank-10 operands",
       {rank10(0, DType::boolean), rank10(1), ones({})},
       [](auto& x) { return one(where(x[0], x[1], x[2])); }},
      {"where of a float condition",
       {ones({2}), ones({2}), ones({2})},
       [](auto& x) { return one(where(x[0], x[1], x[2])); }},
      {"where of mismatched dtypes",
       {ones({2}, DType::boolean), ones({2}), ones({2}, DType::f64)},
       [](auto& x) { return one(where(x[0], x[1], x[2])); }},
  };
  for (DType to : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean}) {
    m["cast"].push_back(
        {std::string("cast of extremes to ") + std::string(dtype_name(to)),
         {Tensor::from<double>({INFINITY, -INFINITY, NAN, 1e300, -1e300, 5e-324, -0.0}, {7})},
         [to](auto& x) { return one(cast(x[0], to)); }});
    m["cast"].push_back({std::string("cast of i64 extremes to ") + std::string(dtype_name(to)),
                         {Tensor::from<int64_t>({kMax, kMin, 0, -1}, {4})},
                         [to](auto& x) { return one(cast(x[0], to)); }});
  }
  m["cast"].push_back({"cast of an empty tensor", {empty_2d()}, [](auto& x) {
                         return one(cast(x[0], DType::i32));
                       }});

  // ---- reductions
  m["sum"] = reduce_cases("sum", [](const Tensor& x, Axes a) { return sum(x, a); });
  m["mean"] = reduce_cases("mean", [](const Tensor& x, Axes a) { return mean(x, a, true); });
  m["max"] = reduce_cases("max", [](const Tensor& x, Axes a) { return max(x, a); });
  m["min"] = reduce_cases("min", [](const Tensor& x, Axes a) { return min(x, a, true); });
  for (int64_t axis : {kMax, kMin, int64_t{2}, int64_t{-3}, int64_t{0}})
  {
    m["argmax"].push_back({"argmax over axis " + std::to_string(axis),
                           {empty_2d()},
                           [axis](auto& x) { return one(argmax(x[0], axis)); }});
    m["argmin"].push_back({"argmin over axis " + std::to_string(axis),
                           {empty_2d()},
                           [axis](auto& x) { return one(argmin(x[0], axis)); }});
    m["cumsum"].push_back({"cumsum over axis " + std::to_string(axis),
                           {empty_2d()},
                           [axis](auto& x) { return one(cumsum(x[0], axis)); }});
  }
  m["cumsum"].push_back({"cumsum of booleans", {ones({2}, DType::boolean)},
                         [](auto& x) { return one(cumsum(x[0], 0)); }});

  // ---- shape ops
  m["reshape"] =
      shape_list_cases("reshape", [](const Tensor& x, Shape s) { return reshape(x, s); });
  m["broadcast_to"] =
      shape_list_cases("broadcast_to", [](const Tensor& x, Shape s) { return broadcast_to(x, s); });
  for (const std::vector<int64_t>& perm :
       std::vector<std::vector<int64_t>>{{kMax, 0}, {kMin, 1}, {0, 0}, {0}, {1, 0, 2}})
    m["transpose"].push_back({"transpose by {" + std::to_string(perm[0]) + ", ...}",
                              {ones({2, 3})},
                              [perm](auto& x) { return one(transpose(x[0], perm)); }});
  m["transpose"].push_back(
      {"transpose of rank 10", {rank10(0)}, [](auto& x) { return one(transpose(x[0])); }});
  for (int64_t axis : {kMax, kMin, int64_t{3}, int64_t{-4}})
    m["expand_dims"].push_back({"expand_dims at " + std::to_string(axis),
                                {ones({2, 3})},
                                [axis](auto& x) { return one(expand_dims(x[0], axis)); }});
  m["expand_dims"].push_back({"expand_dims of an empty tensor", {empty_2d()}, [](auto& x) {
                                return one(expand_dims(x[0], 1));
                              }});
  for (int64_t axis : {kMax, kMin, int64_t{0}, int64_t{2}})
    m["squeeze"].push_back({"squeeze axis " + std::to_string(axis),
                            {ones({2, 1})},
                            [axis](auto& x) { return one(squeeze(x[0], axis)); }});
  m["squeeze"].push_back(
      {"squeeze of rank 10", {rank10(0)}, [](auto& x) { return one(squeeze(x[0])); }});
  for (auto [b, e] : std::vector<std::pair<int64_t, int64_t>>{
           {kMin, kMax}, {kMax, kMin}, {0, kMax}, {kMin, 0}, {-2, -3}, {2, 2}})
    m["slice"].push_back({"slice [" + std::to_string(b) + ", " + std::to_string(e) + ")",
                          {ones({2, 3})},
                          [b, e](auto& x) {
                            return one(slice(x[0], {0, b}, {2, e}));
                          }});
  m["slice"].push_back({"slice with too few bounds", {ones({2, 3})}, [](auto& x) {
                          return one(slice(x[0], {0}, {1}));
                        }});
  for (int64_t axis : {kMax, kMin, int64_t{2}})
    m["concat"].push_back(
        {"concat along " + std::to_string(axis), {ones({2, 3}), ones({2, 3})}, [axis](auto& x) {
           return one(concat({x[0], x[1]}, axis));
         }});
  m["concat"].push_back({"concat of empty tensors", {empty_2d(), empty_2d()}, [](auto& x) {
                           return one(concat({x[0], x[1]}));
                         }});
  m["concat"].push_back({"concat of nothing", {}, [](auto&) { return one(concat({})); }});
  m["concat"].push_back({"concat of rank 0", {ones({}), ones({})}, [](auto& x) {
                           return one(concat({x[0], x[1]}));
                         }});
  for (int64_t index : {kMax, kMin, int64_t{-1}, int64_t{3}})
    m["gather"].push_back({"gather index " + std::to_string(index),
                           {ones({3, 2}), Tensor::from<int64_t>({0, index}, {2})},
                           [](auto& x) { return one(gather(x[0], x[1])); }});
  m["gather"].push_back({"gather from an empty axis",
                         {empty_2d(), Tensor::from<int64_t>({0}, {1})},
                         [](auto& x) { return one(gather(x[0], x[1])); }});
  m["gather"].push_back({"gather with no indices",
                         {ones({3, 2}), zeros({0}, DType::i32)},
                         [](auto& x) { return one(gather(x[0], x[1], 1)); }});
  m["gather"].push_back({"gather along axis INT64_MIN",
                         {ones({3, 2}), zeros({1}, DType::i32)},
                         [](auto& x) { return one(gather(x[0], x[1], kMin)); }});
  for (int64_t index : {kMax, kMin, int64_t{-1}, int64_t{3}})
    m["index_update"].push_back({"index_update at " + std::to_string(index),
                                 {ones({3, 2}), Tensor::scalar<int64_t>(index), ones({2})},
                                 [](auto& x) { return one(index_update(x[0], x[1], x[2])); }});
  m["index_update"].push_back({"index_update of an empty axis",
                               {empty_2d(), Tensor::scalar<int64_t>(0), ones({3})},
                               [](auto& x) { return one(index_update(x[0], x[1], x[2])); }});
  m["index_update"].push_back({"index_update with a value of the wrong shape",
                               {ones({3, 2}), Tensor::scalar<int64_t>(0), ones({3})},
                               [](auto& x) { return one(index_update(x[0], x[1], x[2])); }});
  m["index_update"].push_back({"index_update with a 1-D index",
                               {ones({3, 2}), zeros({1}, DType::i64), ones({2})},
                               [](auto& x) { return one(index_update(x[0], x[1], x[2])); }});
  for (int64_t depth : {kMax, int64_t{1} << 62, kBig, int64_t{-1}, int64_t{0}})
    m["one_hot"].push_back({"one_hot of depth " + std::to_string(depth),
                            {Tensor::from<int64_t>({0, kMax, kMin}, {3})},
                            [depth](auto& x) { return one(one_hot(x[0], depth)); }});

  // ---- sizes at run time
  m["shape"] = {
      {"shape of an empty tensor", {empty_2d()}, [](auto& x) { return one(shape(x[0])); }},
      {"shape of rank 10",
       {rank10(1)},
       [](auto& x) { return one(cast(shape(x[0]), DType::f32) + x[0]); }},
      {"dim at INT64_MIN", {ones({2})}, [](auto& x) { return one(dim(x[0], kMin)); }}};
  for (const std::vector<int64_t>& s :
       std::vector<std::vector<int64_t>>{{kMax}, {kBig, kBig}, {-2}, {-1, -1}, {kMin, 2}, {0, -1}})
    m["dynamic_reshape"].push_back(
        {"reshape to a tensor of sizes {" + std::to_string(s[0]) + ", ...}",
         {ones({4}), Tensor::from(s, {static_cast<int64_t>(s.size())})},
         [](auto& x) { return one(reshape(x[0], x[1])); }});
  m["dynamic_reshape"].push_back({"reshape to a float tensor of sizes",
                                  {ones({4}), ones({1})},
                                  [](auto& x) { return one(reshape(x[0], x[1])); }});
  m["sum_to"] = {{"sum_to a larger rank",
                  {ones({3}), ones({2, 3})},
                  [](auto& x) { return one(sum_to(x[0], x[1])); }},
                 {"sum_to a shape that does not broadcast",
                  {ones({2, 3}), ones({2})},
                  [](auto& x) { return one(sum_to(x[0], x[1])); }},
                 {"sum_to of an empty tensor",
                  {empty_2d(), ones({1, 3})},
                  [](auto& x) { return one(sum_to(x[0], x[1])); }},
                 {"sum_to of rank 10",
                  {rank10(0) * 2.0f, ones({2})},
                  [](auto& x) { return one(sum_to(x[0], x[1])); }},
                 {"sum_to of booleans",
                  {ones({2}, DType::boolean), ones({1}, DType::boolean)},
                  [](auto& x) { return one(sum_to(x[0], x[1])); }}};

  // ---- linear algebra and composites
  m["matmul"] = {{"matmul of empty inner dimensions",
                  {zeros({2, 0}), zeros({0, 3})},
                  [](auto& x) { return one(matmul(x[0], x[1])); }},
                 {"matmul of empty outer dimensions",
                  {zeros({0, 4}), zeros({4, 0})},
                  [](auto& x) { return one(matmul(x[0], x[1])); }},
                 {"matmul of rank-10 batches",
                  {ones({1, 2, 1, 2, 1, 2, 1, 2, 3, 4}), ones({2, 1, 2, 1, 2, 1, 2, 1, 4, 5})},
                  [](auto& x) { return one(matmul(x[0], x[1])); }},
                 {"matmul of a vector",
                  {ones({3}), ones({3, 2})},
                  [](auto& x) { return one(matmul(x[0], x[1])); }},
                 {"matmul of booleans",
                  {ones({2, 2}, DType::boolean), ones({2, 2}, DType::boolean)},
                  [](auto& x) { return one(matmul(x[0], x[1])); }}};
  for (const char* name : {"softmax", "log_softmax"}) {
    const bool log = std::string(name) == "log_softmax";
    auto op = [log](const Tensor& x, int64_t axis) {
      return log ? log_softmax(x, axis) : softmax(x, axis);
    };
    for (int64_t axis : {kMax, kMin, int64_t{0}, int64_t{-1}})
      m[name].push_back({std::string(name) + " of an empty tensor over " + std::to_string(axis),
                         {empty_2d()},
                         [op, axis](auto& x) { return one(op(x[0], axis)); }});
    m[name].push_back({std::string(name) + " of rank 10", {rank10(0)}, [op](auto& x) {
                         return one(op(x[0], 4));
                       }});
    m[name].push_back({std::string(name) + " of a rank-0 tensor", {ones({})}, [op](auto& x) {
                         return one(op(x[0], 0));
                       }});
  }
  m["layer_norm"] = {{"layer_norm of rows of length 0",
                      {zeros({3, 0}), zeros({0}), zeros({0})},
                      [](auto& x) { return one(layer_norm(x[0], x[1], x[2])); }},
                     {"layer_norm with a negative eps",
                      {ones({2, 3}), ones({3}), zeros({3})},
                      [](auto& x) { return one(layer_norm(x[0], x[1], x[2], -1.0)); }},
                     {"layer_norm of rank 0", {ones({}), ones({}), ones({})}, [](auto& x) {
                        return one(layer_norm(x[0], x[1], x[2]));
                      }}};
  m["softmax_cross_entropy"] = {{"cross-entropy with no classes",
                                 {zeros({2, 0}), zeros({2}, DType::i64)},
                                 [](auto& x) { return one(softmax_cross_entropy(x[0], x[1])); }},
                                {"cross-entropy of an empty batch",
                                 {zeros({0, 3}), zeros({0}, DType::i32)},
                                 [](auto& x) { return one(softmax_cross_entropy(x[0], x[1])); }},
                                {"cross-entropy with labels at the extremes",
                                 {zeros({2, 3}), Tensor::from<int64_t>({kMax, kMin}, {2})},
                                 [](auto& x) { return one(softmax_cross_entropy(x[0], x[1])); }}};
  namespace dist = kiln::distributed;
  m["all_reduce"] = {{"all_reduce of an empty tensor",
                      {empty_2d()},
                      [](auto& x) { return one(dist::all_reduce(x[0])); }},
                     {"all_reduce of rank 10 booleans",
                      {rank10(0, DType::boolean)},
                      [](auto& x) { return one(dist::all_reduce(x[0], dist::ReduceOp::min)); }},
                     {"the mean of integers",
                      {ones({2}, DType::i64)},
                      [](auto& x) { return one(dist::all_reduce(x[0], dist::ReduceOp::mean)); }},
                     {"all_reduce of an undefined tensor",
                      {ones({1})},
                      [](auto& x) { return one(dist::all_reduce(Tensor()) + x[0]); }}};
  m["all_gather"] = {{"all_gather of an empty tensor",
                      {empty_2d(DType::i32)},
                      [](auto& x) { return one(dist::all_gather(x[0])); }},
                     {"all_gather of rank 10",
                      {rank10(1)},
                      [](auto& x) { return one(dist::all_gather(x[0])); }}};
  m["collective_broadcast"] = {{"broadcast from a root outside the group",
                                {ones({2})},
                                [](auto& x) { return one(dist::broadcast(x[0], 1)); }},
                               {"broadcast from a negative root",
                                {ones({2})},
                                [](auto& x) { return one(dist::broadcast(x[0], -1)); }},
                               {"broadcast of an empty tensor",
                                {empty_2d(DType::f64)},
                                [](auto& x) { return one(dist::broadcast(x[0], 0)); }}};
  m["print"] = {{"print of an empty tensor",
                 {empty_2d()},
                 [](auto& x) {
                   print(x[0], "empty");
                   return one(x[0]);
                 }},
                {"print of rank 10",
                 {rank10(0, DType::boolean)},
                 [](auto& x) {
                   print(x[0]);
                   return one(x[0]);
                 }},
                {"print of an undefined tensor", {ones({1})}, [](auto& x) {
                   print(Tensor());
                   return one(x[0]);
                 }}};
  return m;
}

/// "" (a result) or the kiln::Error's message; anything else thrown fails the test.
std::string outcome(const std::function<std::vector<Tensor>()>& run, const std::string& what,
                    const char* mode) {
  try {
    std::vector<Tensor> r = run();
    for (const Tensor& t : r)
      if (t.defined()) (void)t.str();  // read the values: a bad buffer shows here
    return "";
  } catch (const Error& e) {
    std::string m = e.what();
    return m.empty() ? "(empty message)" : m;
  } catch (const std::exception& e) {
    FAIL_CHECK(what << " (" << mode << ") threw a " << typeid(e).name()
                    << ", not a kiln::Error: " << e.what());
    return "(foreign exception)";
  }
}

}  // namespace

TEST_CASE("extreme and invalid inputs to every op are results or kiln::Errors",
          "[errors][bad-inputs]") {
  const auto table = cases();
  kt::CaptureCout quiet;  // what the print cases print
  std::set<std::string> listed;
  size_t run = 0, refused = 0;
  for (const OpInfo& op : kOps) {
    listed.insert(op.name);
    INFO("op " << op.name);
    auto it = table.find(op.name);
    if (it == table.end()) {
      FAIL_CHECK("op '" << op.name << "' is in runtime/op_list.h but has no bad-input cases here");
      continue;
    }
    for (const Case& c : it->second) {
      INFO(c.what);
      const std::string eager = outcome([&] { return c.fn(c.inputs); }, c.what, "eager");
      for (bool jit : {false, true}) {
        FunctionOptions options;
        options.jit = jit;
        options.name = "bad_" + std::string(op.name);
        auto f = kiln::function([&c](const std::vector<Tensor>& xs) { return c.fn(xs); }, options);
        const std::string traced =
            outcome([&] { return f(c.inputs); }, c.what, jit ? "jit" : "graph");
        INFO((jit ? "jit: " : "graph: ") << traced << "; eager: " << eager);
        CHECK(traced.empty() == eager.empty());  // refused alike
      }
      ++run;
      refused += !eager.empty();
    }
  }
  for (const auto& [name, list] : table) {
    INFO("bad-input cases for '" << name << "', which runtime/op_list.h does not list");
    CHECK(listed.count(name) == 1);
  }
  INFO(run << " cases, " << refused << " refused");
  CHECK(run > 200);
}
