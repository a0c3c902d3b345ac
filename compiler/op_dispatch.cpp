#include "compiler/op_dispatch.h"

#include <string>
#include <unordered_map>

#include "kiln/ops.h"

namespace kiln::detail {
namespace {

using V = std::vector<Tensor>;
using In = const std::vector<Tensor>&;
using A = const Attrs&;
using R = const std::vector<rules::TensorType>&;

const std::unordered_map<std::string_view, EagerOp>& table() {
  static const std::unordered_map<std::string_view, EagerOp> ops = {
#define KILN_BINARY(name) {#name, [](In in, A, R) -> V { return {name(in[0], in[1])}; }},
      KILN_BINARY(add) KILN_BINARY(subtract) KILN_BINARY(multiply) KILN_BINARY(divide)
      KILN_BINARY(pow) KILN_BINARY(maximum) KILN_BINARY(minimum) KILN_BINARY(equal)
      KILN_BINARY(not_equal) KILN_BINARY(less) KILN_BINARY(less_equal) KILN_BINARY(greater)
      KILN_BINARY(greater_equal) KILN_BINARY(logical_and) KILN_BINARY(logical_or)
      KILN_BINARY(matmul)
#undef KILN_BINARY
#define KILN_UNARY(name) {#name, [](In in, A, R) -> V { return {name(in[0])}; }},
      KILN_UNARY(negative) KILN_UNARY(abs) KILN_UNARY(relu) KILN_UNARY(exp) KILN_UNARY(log)
      KILN_UNARY(sqrt) KILN_UNARY(rsqrt) KILN_UNARY(tanh) KILN_UNARY(sigmoid) KILN_UNARY(gelu)
      KILN_UNARY(sin) KILN_UNARY(cos) KILN_UNARY(erf) KILN_UNARY(logical_not)
#undef KILN_UNARY
#define KILN_REDUCE(name) \
  {#name, [](In in, A a, R) -> V { return {name(in[0], Axes(a.ints("axes")), a.flag("keepdims"))}; }},
      KILN_REDUCE(sum) KILN_REDUCE(mean) KILN_REDUCE(max) KILN_REDUCE(min)
#undef KILN_REDUCE
      {"argmax", [](In in, A a, R) -> V { return {argmax(in[0], a.i64("axis"), a.flag("keepdims"))}; }},
      {"where", [](In in, A, R) -> V { return {where(in[0], in[1], in[2])}; }},
      {"cast", [](In in, A, R r) -> V { return {cast(in[0], r.at(0).dtype)}; }},
      {"reshape", [](In in, A a, R) -> V { return {reshape(in[0], a.ints("shape"))}; }},
      {"transpose", [](In in, A a, R) -> V { return {transpose(in[0], a.ints("perm"))}; }},
      {"broadcast_to", [](In in, A a, R) -> V { return {broadcast_to(in[0], a.ints("shape"))}; }},
      {"expand_dims", [](In in, A a, R) -> V { return {expand_dims(in[0], a.i64("axis"))}; }},
      {"squeeze", [](In in, A a, R) -> V { return {squeeze(in[0], Axes(a.ints("axes")))}; }},
      {"slice", [](In in, A a, R) -> V { return {slice(in[0], a.ints("begin"), a.ints("end"))}; }},
      {"concat", [](In in, A a, R) -> V { return {concat(in, a.i64("axis"))}; }},
      {"gather", [](In in, A a, R) -> V { return {gather(in[0], in[1], a.i64("axis"))}; }},
      {"one_hot", [](In in, A a, R) -> V { return {one_hot(in[0], a.i64("depth"), a.dtype("dtype"))}; }},
      {"shape", [](In in, A, R) -> V { return {shape(in[0])}; }},
      {"dynamic_reshape", [](In in, A, R) -> V { return {reshape(in[0], in[1])}; }},
      {"sum_to", [](In in, A, R) -> V { return {sum_to(in[0], in[1])}; }},
      {"softmax", [](In in, A a, R) -> V { return {softmax(in[0], a.i64("axis"))}; }},
      {"log_softmax", [](In in, A a, R) -> V { return {log_softmax(in[0], a.i64("axis"))}; }},
      {"layer_norm", [](In in, A a, R) -> V { return {layer_norm(in[0], in[1], in[2], a.f64("eps"))}; }},
      {"softmax_cross_entropy", [](In in, A, R) -> V { return {softmax_cross_entropy(in[0], in[1])}; }},
      {"random_uniform",
       [](In, A a, R) -> V {
         return {random_uniform(a.ints("shape"), static_cast<uint64_t>(a.i64("seed")),
                                static_cast<float>(a.f64("lo")), static_cast<float>(a.f64("hi")),
                                a.dtype("dtype"))};
       }},
      {"random_normal",
       [](In, A a, R) -> V {
         return {random_normal(a.ints("shape"), static_cast<uint64_t>(a.i64("seed")),
                               static_cast<float>(a.f64("mean")), static_cast<float>(a.f64("stddev")),
                               a.dtype("dtype"))};
       }},
  };
  return ops;
}

}  // namespace

EagerOp find_eager_op(std::string_view name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : it->second;
}

}  // namespace kiln::detail
