// Reverse-mode autodiff (kiln::GradientTape, include/kiln/autodiff.h).
//
//   1. Every differentiable op of runtime/op_list.h passes a gradient check against central
//      finite differences in f64; a walk over kiln::kOps fails for an op without a check
//      (and every non-differentiable op has a check that no gradient leaks through it).
//   2. Gradients computed by a tape inside kiln::function (graph mode and JIT) equal the
//      eager tape's.
//   3. Tape semantics: persistence, watching, zeros for unconnected/integer sources,
//      nested tapes (second derivatives), non-scalar targets.
//   4. Control flow: cond and for_range are differentiable eagerly and traced; a traced
//      while_loop refuses reverse mode.
//
// Gradient checks: the loss is sum(f(xs) * W) with fixed random weights W, so every output
// element matters with its own weight. Analytic gradients come from a GradientTape watching
// every input; numeric ones from central differences (eps 1e-6) of the same loss, summed on
// the host in f64. Tolerances:
//   analytic vs numeric (f64):  |got - want| <= 1e-6 + 1e-6 * |want|. The central difference
//     has truncation error ~eps^2 * f''' ~ 1e-12 and rounding error ~1e-16 * |loss| / eps
//     ~ 1e-9 for the O(1..10) losses here, so 1e-6 leaves a wide margin while a wrong
//     gradient (a missing factor, a wrong broadcast reduction) is off by O(0.1..1).
//   a detour through f32 (cast): eps 1e-2 on a linear function, |got - want| <= 1e-4 (1 + |want|)
//     (f32 rounding of the perturbed input is ~1e-7, i.e. ~1e-5 relative to 2 * eps).
//   traced vs eager (f64): rel 1e-12, abs 1e-12 (same formulas; only summation order may differ).
#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "kiln/autodiff.h"
#include "reference.h"
#include "binary_cases.h"
#include "unary_cases.h"
#include "runtime/op_list.h"

#include "capture_cout.h"
#include "gradient_check.h"

using namespace kiln;
using kt::Tol;
using namespace kiln::gradcheck;

namespace {

// ---- Data ---------------------------------------------------------------------------------------


constexpr Tol kF32DetourTol{1e-4, 1e-4};  // analytic vs numeric through an f32 cast
constexpr double kF32DetourEps = 1e-2;

/// f64 values with |x| in [0.2, 2) and a random sign: away from the kinks of abs and relu
/// and from the pole of 1/x.
Tensor away_from_zero(const Shape& s, uint64_t seed) {
  auto mag = kt::uniform(kt::numel(s), 0.2, 2, seed);
  auto sign = kt::uniform_int(kt::numel(s), 0, 1, seed + 1000);
  for (size_t i = 0; i < mag.size(); ++i)
    if (sign[i] != 0) mag[i] = -mag[i];
  return kt::make(mag, s, f64);
}

/// Distinct f64 values (a shuffled grid of step 0.1): no ties for max/min/argmax.
Tensor distinct(const Shape& s, uint64_t seed) {
  int64_t n = kt::numel(s);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = 0.1 * static_cast<double>(i - n / 2);
  std::shuffle(v.begin(), v.end(), std::mt19937_64(seed));
  return kt::make(v, s, f64);
}

/// Multiples of 1/4 in [-2, 2] plus `offset`. Two such tensors with offsets 0 and 1/8 differ
/// by at least 1/8 everywhere, so maximum/minimum/comparisons are far from a tie.
Tensor quarter_grid(const Shape& s, uint64_t seed, double offset) {
  auto k = kt::uniform_int(kt::numel(s), -8, 8, seed);
  for (auto& x : k) x = x / 4 + offset;
  return kt::make(k, s, f64);
}

Tensor i64s(std::vector<int64_t> v, Shape s) { return Tensor::from(v, std::move(s)); }

// ---- Gradients: analytic and numeric ------------------------------------------------------------

/// The function under test: inputs (all floating, all watched) to an output of any shape.
/// Checks the tape's gradients of sum(f(xs) * W) against central differences, input by
/// input; a failure names `what`, the input and the first mismatching element.
void grad_check(const std::string& what, const Fn& f, const std::vector<Tensor>& xs,
                double eps = kEps, Tol tol = kGradTol) {
  INFO("gradient check: " << what);
  Tensor w = weights_for(f(xs));
  auto analytic = tape_gradients(f, xs, w);
  REQUIRE(analytic.size() == xs.size());
  auto numeric = numeric_gradients(f, xs, w, eps);
  for (size_t k = 0; k < xs.size(); ++k) {
    INFO("input " << k << " of shape " << kt::shape_string(xs[k].shape())
                  << " (got: tape, expected: central differences)");
    CHECK_TENSOR(analytic[k], numeric[k], xs[k].shape(), xs[k].dtype(), tol);
  }
}

/// Zeros of a shape and dtype.
void check_zeros(const Tensor& t, const Shape& s, DType d) {
  CHECK_TENSOR(t, std::vector<double>(static_cast<size_t>(kt::numel(s)), 0.0), s, d, kt::kExact);
}

/// grad_check's gradient taken inside a kiln::function whose input_signature makes every
/// dimension of every input dynamic: the sizes reach the graph only when it runs (kiln.shape,
/// kiln.sum_to, kiln.dynamic_reshape), so no size read while tracing can bake in a number.
/// Checked against central differences of the eager function, and called with a second set
/// of sizes (`xs2`) through the same concrete function.
void dynamic_grad_check(const std::string& what, const Fn& f, const std::vector<Tensor>& xs,
                        const std::vector<Tensor>& xs2) {
  INFO("dynamic gradient check: " << what);
  std::vector<TensorSpec> specs;
  for (const Tensor& x : xs) specs.push_back({Shape(static_cast<size_t>(x.rank()), -1), x.dtype()});
  specs.push_back({Shape(static_cast<size_t>(f(xs).rank()), -1), f(xs).dtype()});  // the weights
  FunctionOptions options;
  options.input_signature = specs;
  auto traced = kiln::function(
      [f](std::vector<Tensor> in) {
        Tensor w = in.back();
        in.pop_back();
        return tape_gradients(f, in, w);
      },
      options);
  for (const auto* inputs : {&xs, &xs2}) {
    Tensor w = weights_for(f(*inputs));
    std::vector<Tensor> args = *inputs;
    args.push_back(w);
    auto analytic = traced(args);
    auto numeric = numeric_gradients(f, *inputs, w);
    for (size_t k = 0; k < inputs->size(); ++k) {
      INFO("input " << k << " of shape " << kt::shape_string((*inputs)[k].shape()));
      CHECK_TENSOR(analytic[k], numeric[k], (*inputs)[k].shape(), (*inputs)[k].dtype(), kGradTol);
    }
  }
  CHECK(traced.trace_count() == 1);
}


using kt::CaptureCout;

// ---- Which ops are differentiable ---------------------------------------------------------------

bool differentiable(const OpInfo& op) {
  static const std::set<std::string> families{"factory", "random", "compare", "logical", "effect"};
  static const std::set<std::string> ops{"argmax", "argmin", "one_hot", "shape"};
  return families.count(op.family) == 0 && ops.count(op.name) == 0;
}

// ---- 1. Per-op gradient checks ------------------------------------------------------------------

using Case = std::function<void()>;
using MakeInput = std::function<Tensor(const Shape&, uint64_t)>;
using BinaryOp = std::function<Tensor(const Tensor&, const Tensor&)>;

Tensor plain(const Shape& s, uint64_t seed) { return uniform(s, seed, -2, 2); }
Tensor positive(const Shape& s, uint64_t seed) { return uniform(s, seed, 0.5, 2); }

/// The inputs a binary op's row (binary_cases.h) checks its gradient on.
MakeInput grad_inputs(test::GradInputs kind) {
  switch (kind) {
    case test::GradInputs::plain:
      return plain;
    case test::GradInputs::positive:
      return positive;
    case test::GradInputs::away_from_zero:
      return away_from_zero;
    case test::GradInputs::small:
      return [](const Shape& s, uint64_t seed) { return uniform(s, seed, -1.5, 1.5); };
    case test::GradInputs::grid:
      return [](const Shape& s, uint64_t seed) { return quarter_grid(s, seed, 0); };
    case test::GradInputs::grid_offset:
      return [](const Shape& s, uint64_t seed) { return quarter_grid(s, seed, 0.125); };
    case test::GradInputs::none:
      break;
  }
  throw std::logic_error("no gradient inputs for a non-differentiable op");
}

/// A binary op on broadcasting shapes (gradients must be summed back to each operand's
/// shape), including a rank-0 operand.
void binary_case(const std::string& name, const BinaryOp& op, const MakeInput& make_a,
                 const MakeInput& make_b) {
  const std::vector<std::pair<Shape, Shape>> shapes{
      {{3, 1, 4}, {2, 4}}, {{2, 4}, {3, 1, 4}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3}, {2, 3}}};
  uint64_t seed = 100;
  for (const auto& [sa, sb] : shapes) {
    std::string what = name + " " + kt::shape_string(sa) + " with " + kt::shape_string(sb);
    grad_check(what, [&](const std::vector<Tensor>& x) { return op(x[0], x[1]); },
               {make_a(sa, seed), make_b(sb, seed + 1)});
    seed += 2;
  }
}

void unary_case(const std::string& name, const std::function<Tensor(const Tensor&)>& op,
                const MakeInput& make = plain) {
  grad_check(name + " (3, 4)", [&](const std::vector<Tensor>& x) { return op(x[0]); },
             {make({3, 4}, 7)});
}

/// Reductions over several axes, one axis, a negative axis and all axes; keepdims both ways.
void reduce_case(const std::string& name,
                 const std::function<Tensor(const Tensor&, Axes, bool)>& op,
                 const MakeInput& make) {
  const std::vector<std::pair<std::string, Axes>> axes{
      {"{0, 2}", Axes{0, 2}}, {"{1}", Axes{1}}, {"{-1}", Axes{-1}}, {"all", Axes{}}};
  for (const auto& [label, ax] : axes)
    for (bool keep : {false, true}) {
      std::string what = name + " (2, 3, 4) over " + label + (keep ? " keepdims" : "");
      grad_check(what, [&](const std::vector<Tensor>& x) { return op(x[0], ax, keep); },
                 {make({2, 3, 4}, 11)});
    }
}

std::map<std::string, Case> gradient_cases() {
  std::map<std::string, Case> m;
  // ---- binary, broadcasting: every differentiable op's row of binary_cases.h
  for (const test::BinaryRow& r : test::binary_rows()) {
    if (!r.differentiable) continue;
    m[r.name] = [r] {
      binary_case(r.name, r.apply, grad_inputs(r.grad_lhs), grad_inputs(r.grad_rhs));
    };
  }
  // Scalar operands and an operand used twice, through the operators.
  auto with = [&m](const char* name, std::function<void()> extra) {
    m[name] = [row = m[name], extra] {
      row();
      extra();
    };
  };
  with("add", [] { grad_check("add scalar", [](auto& x) { return x[0] + 1.5; }, {plain({2, 3}, 1)}); });
  with("subtract",
       [] { grad_check("scalar - x", [](auto& x) { return 2.0 - x[0]; }, {plain({2, 3}, 1)}); });
  with("multiply", [] {
    grad_check("x * x", [](auto& x) { return x[0] * x[0]; }, {plain({2, 3}, 1)});
    grad_check("x * scalar", [](auto& x) { return x[0] * 3.0; }, {plain({2, 3}, 1)});
  });
  with("divide", [] {
    grad_check("scalar / x", [](auto& x) { return 1.0 / x[0]; }, {away_from_zero({2, 3}, 1)});
  });
  with("pow", [] {
    grad_check("pow(x, 3)", [](auto& x) { return pow(x[0], 3.0); }, {positive({2, 3}, 1)});
    grad_check("pow(2, x)", [](auto& x) { return pow(2.0, x[0]); }, {plain({2, 3}, 1)});
  });
  // ---- unary: every differentiable op's row of unary_cases.h. Inputs inside the op's
  // domain (log's is positive) and, for the arithmetic ops, away from their kink at 0.
  for (const test::UnaryRow& r : test::unary_rows()) {
    if (!r.differentiable) continue;
    const MakeInput make = r.lo >= 0 ? MakeInput(positive)
                           : r.kind == rules::ElementwiseKind::arithmetic ? MakeInput(away_from_zero)
                                                                          : MakeInput(plain);
    m[r.name] = [r, make] { unary_case(r.name, r.apply, make); };
  }
  m["negative"] = [negative = m["negative"]] {
    negative();
    unary_case("unary -", [](auto& x) { return -x; });
  };
  // ---- select and cast
  m["where"] = [] {
    // cond (2, 4), a (3, 1, 4), b (4,) -> (3, 2, 4): each operand's gradient is masked and
    // summed back to its shape.
    auto c = kt::make(kt::uniform_int(8, 0, 1, 5), {2, 4}, DType::boolean);
    grad_check("where (2, 4) ? (3, 1, 4) : (4,)", [c](auto& x) { return where(c, x[0], x[1]); },
               {plain({3, 1, 4}, 1), plain({4}, 2)});
  };
  m["cast"] = [] {
    grad_check("cast f64 -> f64", [](auto& x) { return cast(x[0], f64) * x[0]; },
               {plain({2, 3}, 1)});
    // The gradient of an f64 source through f32 comes back as f64 (grad_check requires the
    // source's dtype), and of an f32 source as f32.
    grad_check(
        "cast f64 -> f32 -> f64", [](auto& x) { return cast(cast(x[0], DType::f32), f64); },
        {plain({2, 3}, 2)}, kF32DetourEps, kF32DetourTol);
    grad_check(
        "cast f32 -> f64", [](auto& x) { return cast(x[0], f64) * 3.0; },
        {kt::make(kt::uniform(6, -2, 2, 3), {2, 3}, DType::f32)}, kF32DetourEps, kF32DetourTol);
  };
  // ---- reductions
  m["sum"] = [] {
    reduce_case(
        "sum", [](auto& x, Axes a, bool k) { return sum(x, a, k); }, plain);
  };
  m["mean"] = [] {
    reduce_case(
        "mean", [](auto& x, Axes a, bool k) { return mean(x, a, k); }, plain);
  };
  m["max"] = [] {
    reduce_case(
        "max", [](auto& x, Axes a, bool k) { return max(x, a, k); }, distinct);
  };
  m["min"] = [] {
    reduce_case(
        "min", [](auto& x, Axes a, bool k) { return min(x, a, k); }, distinct);
  };
  // ---- scans
  m["cumsum"] = [] {
    for (int64_t axis : {0, 1, -1})
      for (bool reverse : {false, true})
        grad_check("cumsum over axis " + std::to_string(axis) + (reverse ? ", reversed" : ""),
                   [=](auto& x) { return cumsum(x[0], axis, reverse) * x[0]; },
                   {plain({3, 4}, 7)});
    dynamic_grad_check("cumsum (?, ?) over axis 1, times x",
                       [](auto& x) { return cumsum(x[0], 1) * x[0]; }, {plain({2, 3}, 1)},
                       {plain({4, 5}, 2)});
  };
  // ---- shape
  m["reshape"] = [] {
    grad_check("reshape (2, 3, 4) -> (4, -1)",
               [](auto& x) {
                 return reshape(x[0], {4, -1});
               },
               {plain({2, 3, 4}, 1)});
    grad_check("reshape (6,) -> (3, 1, 2) times a broadcast",
               [](auto& x) {
                 return reshape(x[0], {3, 1, 2}) * x[1];
               },
               {plain({6}, 2), plain({4, 1}, 3)});
  };
  m["transpose"] = [] {
    grad_check("transpose (2, 3, 4) perm {2, 0, 1}",
               [](auto& x) {
                 return transpose(x[0], {2, 0, 1});
               },
               {plain({2, 3, 4}, 1)});
    grad_check("transpose (2, 3, 4) perm {1, 2, 0}",
               [](auto& x) {
                 return transpose(x[0], {1, 2, 0});
               },
               {plain({2, 3, 4}, 2)});
    grad_check("transpose (3, 5) reversed", [](auto& x) { return transpose(x[0]); },
               {plain({3, 5}, 3)});
  };
  m["broadcast_to"] = [] {
    grad_check("broadcast_to (3, 1) -> (2, 3, 4)",
               [](auto& x) {
                 return broadcast_to(x[0], {2, 3, 4});
               },
               {plain({3, 1}, 1)});
    grad_check("broadcast_to () -> (2, 2)",
               [](auto& x) {
                 return broadcast_to(x[0], {2, 2});
               },
               {plain({}, 2)});
  };
  m["expand_dims"] = [] {
    grad_check("expand_dims (2, 3) at 1", [](auto& x) { return expand_dims(x[0], 1) * x[1]; },
               {plain({2, 3}, 1), plain({4, 1, 1, 1}, 2)});
    grad_check("expand_dims (2, 3) at -1", [](auto& x) { return expand_dims(x[0], -1); },
               {plain({2, 3}, 3)});
  };
  m["squeeze"] = [] {
    grad_check("squeeze (2, 1, 3, 1) axis 1", [](auto& x) { return squeeze(x[0], Axes{1}); },
               {plain({2, 1, 3, 1}, 1)});
    grad_check("squeeze (2, 1, 3, 1) all", [](auto& x) { return squeeze(x[0]); },
               {plain({2, 1, 3, 1}, 2)});
  };
  m["slice"] = [] {
    grad_check("slice (4, 5, 3) [1:3, 2:5, 0:2]",
               [](auto& x) {
                 return slice(x[0], {1, 2, 0}, {3, 5, 2});
               },
               {plain({4, 5, 3}, 1)});
    grad_check("slice (4, 5) [-3:-1, 1:4]",
               [](auto& x) {
                 return slice(x[0], {-3, 1}, {-1, 4});
               },
               {plain({4, 5}, 2)});
  };
  m["concat"] = [] {
    grad_check("concat (2, 1, 3), (2, 2, 3), (2, 3, 3) on axis 1",
               [](auto& x) {
                 return concat({x[0], x[1], x[2]}, 1);
               },
               {plain({2, 1, 3}, 1), plain({2, 2, 3}, 2), plain({2, 3, 3}, 3)});
    grad_check("concat of one input twice on axis 0",
               [](auto& x) {
                 return concat({x[0], x[1], x[0]}, 0);
               },
               {plain({2, 3}, 4), plain({1, 3}, 5)});
  };
  m["gather"] = [] {
    // Repeated indices: the gradients of the repeats add up.
    auto idx = i64s({4, 0, 4, 2, 2, 4}, {2, 3});
    grad_check("gather (3, 5, 2) axis 1 with repeated (2, 3) indices",
               [idx](auto& x) { return gather(x[0], idx, 1); }, {plain({3, 5, 2}, 1)});
    auto idx32 = Tensor::from<int32_t>({2, 0, 2, 2}, {4});
    grad_check("gather (3, 4) axis 0 with repeated i32 indices",
               [idx32](auto& x) { return gather(x[0], idx32, 0); }, {plain({3, 4}, 2)});
  };
  m["index_update"] = [] {
    auto at = Tensor::scalar<int64_t>(2);
    grad_check("index_update (3, 4, 2) entry 2 of axis 1 from a (3, 2) value",
               [at](auto& x) { return index_update(x[0], at, x[1], 1); },
               {plain({3, 4, 2}, 1), plain({3, 2}, 2)});
    grad_check("index_update (4, 3) entry 0, then read again",
               [](auto& x) {
                 return index_update(x[0], Tensor::scalar<int32_t>(0), x[1]) * x[0];
               },
               {plain({4, 3}, 3), plain({3}, 4)});
    dynamic_grad_check("index_update (?, ?, ?) entry 1 of axis 1 from a (?, ?) value",
                       [](auto& x) { return index_update(x[0], Tensor::scalar<int64_t>(1), x[1], 1); },
                       {plain({3, 4, 2}, 5), plain({3, 2}, 6)}, {plain({2, 3, 5}, 7), plain({2, 5}, 8)});
  };
  // ---- linear algebra
  m["matmul"] = [] {
    grad_check("matmul (3, 4) @ (4, 2)", [](auto& x) { return matmul(x[0], x[1]); },
               {plain({3, 4}, 1), plain({4, 2}, 2)});
    grad_check("matmul (2, 3, 4) @ (4, 5)", [](auto& x) { return matmul(x[0], x[1]); },
               {plain({2, 3, 4}, 3), plain({4, 5}, 4)});
    grad_check("matmul (3, 4) @ (2, 4, 5)", [](auto& x) { return matmul(x[0], x[1]); },
               {plain({3, 4}, 5), plain({2, 4, 5}, 6)});
    grad_check("matmul (2, 1, 3, 4) @ (5, 4, 2)", [](auto& x) { return matmul(x[0], x[1]); },
               {plain({2, 1, 3, 4}, 7), plain({5, 4, 2}, 8)});
  };
  // ---- composites
  m["softmax"] = [] {
    grad_check("softmax (3, 5) axis -1", [](auto& x) { return softmax(x[0], -1); },
               {plain({3, 5}, 1)});
    grad_check("softmax (2, 3, 4) axis 1", [](auto& x) { return softmax(x[0], 1); },
               {plain({2, 3, 4}, 2)});
  };
  m["log_softmax"] = [] {
    grad_check("log_softmax (3, 5) axis -1", [](auto& x) { return log_softmax(x[0], -1); },
               {plain({3, 5}, 1)});
    grad_check("log_softmax (2, 3, 4) axis 1", [](auto& x) { return log_softmax(x[0], 1); },
               {plain({2, 3, 4}, 2)});
  };
  m["layer_norm"] = [] {
    grad_check("layer_norm x (2, 3, 5), gamma (5,), beta (5,)",
               [](auto& x) { return layer_norm(x[0], x[1], x[2], 1e-5); },
               {plain({2, 3, 5}, 1), plain({5}, 2), plain({5}, 3)});
    grad_check("layer_norm with a large eps",
               [](auto& x) { return layer_norm(x[0], x[1], x[2], 0.5); },
               {plain({4, 3}, 4), plain({3}, 5), plain({3}, 6)});
  };
  m["softmax_cross_entropy"] = [] {
    auto labels = i64s({1, 4, 0, 4}, {4});
    grad_check("softmax_cross_entropy logits (4, 5), i64 labels",
               [labels](auto& x) { return softmax_cross_entropy(x[0], labels); },
               {plain({4, 5}, 1)});
    auto labels32 = Tensor::from<int32_t>({2, 0, 1, 2, 2, 0}, {2, 3});
    grad_check("softmax_cross_entropy logits (2, 3, 3), i32 labels",
               [labels32](auto& x) { return softmax_cross_entropy(x[0], labels32); },
               {plain({2, 3, 3}, 2)});
  };
  // The run-time size ops: what gradients of dynamic shapes are made of.
  m["dynamic_reshape"] = [] {
    auto f = [](auto& x) {
      Tensor rows = dim(x[0], 0) * dim(x[0], 1);
      return reshape(x[0], concat({expand_dims(rows, 0), full({1}, -1, DType::i64)}));
    };
    grad_check("reshape (2, 3, 4) to [rows, -1]", f, {plain({2, 3, 4}, 1)});
    dynamic_grad_check("reshape (?, ?, ?) to [rows, -1]", f, {plain({2, 3, 4}, 1)},
                       {plain({3, 1, 2}, 2)});
  };
  m["sum_to"] = [] {
    auto f = [](auto& x) { return sum_to(x[0], x[1]) * x[1]; };
    grad_check("sum_to (2, 3, 4) -> (3, 1), times it", f, {plain({2, 3, 4}, 1), plain({3, 1}, 2)});
    dynamic_grad_check("sum_to (?, ?, ?) -> (?, ?), times it", f,
                       {plain({2, 3, 4}, 1), plain({3, 1}, 2)},
                       {plain({5, 2, 3}, 3), plain({1, 3}, 4)});
  };
  // The collectives in a world of one: the sum's and mean's gradients are the identity,
  // max's too (no ties across one rank), a gather's and a broadcast's the identity.
  m["all_reduce"] = [] {
    for (auto op : {distributed::ReduceOp::sum, distributed::ReduceOp::mean, distributed::ReduceOp::max}) {
      grad_check("all_reduce(x) * x",
                 [op](auto& x) { return distributed::all_reduce(x[0], op) * x[0]; },
                 {plain({2, 3}, 1)});
    }
  };
  m["all_gather"] = [] {
    grad_check("all_gather(x) * x", [](auto& x) { return distributed::all_gather(x[0]) * x[0]; },
               {plain({2, 3}, 1)});
    grad_check("all_gather(scalar)", [](auto& x) { return tanh(distributed::all_gather(x[0])); },
               {plain({}, 2)});
  };
  m["collective_broadcast"] = [] {
    grad_check("broadcast(x, 0) * x",
               [](auto& x) { return tanh(distributed::broadcast(x[0], 0)) * x[0]; },
               {plain({3}, 1)});
  };
  return m;
}

/// Non-differentiable ops carry no gradient: the only gradient is the one through the
/// differentiable path around them (central differences agree, being taken away from the
/// points where a comparison flips).
std::map<std::string, Case> no_gradient_cases() {
  std::map<std::string, Case> m;
  auto times_constant = [](const std::string& name, Tensor c) {
    grad_check(name + " as a constant factor", [c](auto& x) { return x[0] * c; },
               {plain(c.shape(), 1)});
  };
  m["zeros"] = [=] { times_constant("zeros", zeros({2, 3}, f64) + 2.0); };
  m["ones"] = [=] { times_constant("ones", ones({2, 3}, f64) * 0.5); };
  m["full"] = [=] { times_constant("full", full({2, 3}, -1.5, f64)); };
  m["arange"] = [=] { times_constant("arange", reshape(arange(0.0, 6.0, 1.0, f64), {2, 3})); };
  m["eye"] = [=] { times_constant("eye", eye(3, f64)); };
  m["shape"] = [=] {
    grad_check("x scaled by its own size", [](auto& x) { return x[0] * cast(shape(x[0]), f64); },
               {plain({3}, 1)});
    dynamic_grad_check("x (?,) scaled by its own size",
                       [](auto& x) { return x[0] * cast(dim(x[0], 0), f64); }, {plain({3}, 1)},
                       {plain({5}, 2)});
  };
  m["random_uniform"] = [=] {
    times_constant("random_uniform", random_uniform({2, 3}, 9, -1, 1, f64));
  };
  m["random_normal"] = [=] {
    times_constant("random_normal", random_normal({2, 3}, 9, 0, 1, f64));
  };
  m["random_int"] = [=] {
    times_constant("random_int", cast(random_int({2, 3}, 9, -5, 5), f64));
  };
  // x and y on the quarter grids never tie (nor equal 0.1), so the masks do not flip under
  // perturbation.
  auto masked = [](const std::string& name, const BinaryOp& cmp) {
    grad_check(name + " mask times x * y",
               [&](auto& x) { return cast(cmp(x[0], x[1]), f64) * x[0] * x[1]; },
               {quarter_grid({3, 4}, 1, 0), quarter_grid({4}, 2, 0.125)});
  };
  m["equal"] = [=] {
    // equal is false everywhere on these grids; compare x with a rounded copy of itself too.
    masked("equal", [](auto& a, auto& b) { return equal(a, b); });
    grad_check("equal(x, x) mask times x",
               [](auto& x) { return cast(equal(x[0], x[0]), f64) * x[0]; }, {plain({2, 3}, 3)});
  };
  m["not_equal"] = [=] { masked("not_equal", [](auto& a, auto& b) { return not_equal(a, b); }); };
  m["less"] = [=] { masked("less", [](auto& a, auto& b) { return less(a, b); }); };
  m["less_equal"] = [=] { masked("less_equal", [](auto& a, auto& b) { return a <= b; }); };
  m["greater"] = [=] { masked("greater", [](auto& a, auto& b) { return a > b; }); };
  m["greater_equal"] = [=] { masked("greater_equal", [](auto& a, auto& b) { return a >= b; }); };
  m["logical_and"] = [=] {
    masked("logical_and", [](auto& a, auto& b) { return logical_and(a > 0.1, b < 0.1); });
  };
  m["logical_or"] = [=] {
    masked("logical_or", [](auto& a, auto& b) { return logical_or(a > 0.1, b < 0.1); });
  };
  m["logical_not"] = [=] {
    masked("logical_not", [](auto& a, auto& b) { return logical_not(a > b); });
  };
  m["argmax"] = [] {
    grad_check("one_hot(argmax(x, 1)) * x",
               [](auto& x) { return one_hot(argmax(x[0], 1), 5, f64) * x[0]; },
               {distinct({3, 5}, 1)});
  };
  m["argmin"] = [] {
    grad_check("one_hot(argmin(x, 1)) * x",
               [](auto& x) { return one_hot(argmin(x[0], 1), 5, f64) * x[0]; },
               {distinct({3, 5}, 1)});
  };
  m["one_hot"] = [] {
    auto labels = i64s({1, 4, 0}, {3});
    grad_check("one_hot(labels) * x", [labels](auto& x) { return one_hot(labels, 5, f64) * x[0]; },
               {plain({3, 5}, 2)});
  };
  m["print"] = [] {
    CaptureCout cap;
    grad_check("print(x) then tanh(x)",
               [](auto& x) {
                 print(x[0], "x");
                 return tanh(x[0]);
               },
               {plain({2, 3}, 1)});
    CHECK(cap.str().find("x: ") != std::string::npos);
  };
  return m;
}

}  // namespace

// ---- 1. Every op of the op list -----------------------------------------------------------------

TEST_CASE("every op of the op list has a finite-difference gradient check", "[autodiff]") {
  auto cases = gradient_cases();
  auto none = no_gradient_cases();
  std::set<std::string> listed;
  for (const auto& op : kOps) {
    listed.insert(op.name);
    bool diff = differentiable(op);
    DYNAMIC_SECTION(op.name << " (" << op.family << (diff ? "" : ", not differentiable") << ")") {
      auto& table = diff ? cases : none;
      auto it = table.find(op.name);
      if (it == table.end())
        FAIL("op '" << op.name << "' is in runtime/op_list.h but has no "
                    << (diff ? "gradient check" : "no-gradient check") << " in test_gradients.cpp");
      it->second();
    }
  }
  SECTION("every check names a listed op of the right kind") {
    for (const auto& op : kOps) {
      INFO(op.name);
      CHECK((differentiable(op) ? none : cases).count(op.name) == 0);
    }
    for (const auto* table : {&cases, &none})
      for (const auto& [name, fn] : *table) {
        INFO("test_gradients.cpp checks '" << name << "', which runtime/op_list.h does not list");
        CHECK(listed.count(name) == 1);
      }
  }
}

// ---- 2. The same gradients, traced --------------------------------------------------------------

TEST_CASE("gradients computed inside kiln::function equal the eager tape's", "[autodiff]") {
  struct Traced {
    std::string name;
    Fn f;
    std::vector<Tensor> xs, xs2;  // two input sets of one signature
  };
  auto labels = i64s({1, 4, 0, 4}, {4});
  auto idx = i64s({4, 0, 4, 2, 2, 4}, {2, 3});
  std::vector<Traced> cases{
      {"add (3, 1, 4) + (2, 4)",
       [](auto& x) { return x[0] + x[1]; },
       {plain({3, 1, 4}, 1), plain({2, 4}, 2)},
       {plain({3, 1, 4}, 3), plain({2, 4}, 4)}},
      {"matmul (2, 1, 3, 4) @ (5, 4, 2)",
       [](auto& x) { return matmul(x[0], x[1]); },
       {plain({2, 1, 3, 4}, 1), plain({5, 4, 2}, 2)},
       {plain({2, 1, 3, 4}, 3), plain({5, 4, 2}, 4)}},
      {"tanh", [](auto& x) { return tanh(x[0]); }, {plain({3, 4}, 1)}, {plain({3, 4}, 2)}},
      {"sum over {0, 2}",
       [](auto& x) {
         return sum(x[0] * x[0], {0, 2});
       },
       {plain({2, 3, 4}, 1)},
       {plain({2, 3, 4}, 2)}},
      {"sum over {0, 2} keepdims",
       [](auto& x) {
         return sum(x[0] * x[0], {0, 2}, true);
       },
       {plain({2, 3, 4}, 1)},
       {plain({2, 3, 4}, 2)}},
      {"softmax_cross_entropy",
       [labels](auto& x) { return softmax_cross_entropy(x[0], labels); },
       {plain({4, 5}, 1)},
       {plain({4, 5}, 2)}},
      {"layer_norm",
       [](auto& x) { return layer_norm(x[0], x[1], x[2], 1e-5); },
       {plain({2, 3, 5}, 1), plain({5}, 2), plain({5}, 3)},
       {plain({2, 3, 5}, 4), plain({5}, 5), plain({5}, 6)}},
      {"gather axis 1",
       [idx](auto& x) { return gather(x[0], idx, 1); },
       {plain({3, 5, 2}, 1)},
       {plain({3, 5, 2}, 2)}},
      {"index_update axis 1",
       [](auto& x) { return index_update(x[0], Tensor::scalar<int64_t>(1), x[1], 1); },
       {plain({3, 4, 2}, 1), plain({3, 2}, 2)},
       {plain({3, 4, 2}, 3), plain({3, 2}, 4)}},
      {"slice",
       [](auto& x) {
         return slice(x[0], {1, 2, 0}, {3, 5, 2});
       },
       {plain({4, 5, 3}, 1)},
       {plain({4, 5, 3}, 2)}},
      {"concat axis 1",
       [](auto& x) {
         return concat({x[0], x[1], x[2]}, 1);
       },
       {plain({2, 1, 3}, 1), plain({2, 2, 3}, 2), plain({2, 3, 3}, 3)},
       {plain({2, 1, 3}, 4), plain({2, 2, 3}, 5), plain({2, 3, 3}, 6)}},
  };
  for (const auto& c : cases)
    for (bool jit : {false, true}) {
      DYNAMIC_SECTION(c.name << (jit ? " (jit)" : " (graph mode)")) {
        Tensor w = weights_for(c.f(c.xs));
        Fn f = c.f;
        auto step = kiln::function(
            [f, w](std::vector<Tensor> xs) { return tape_gradients(f, xs, w); }, graph_mode(jit));
        // A second input set runs the cached plan: the gradient is computed by the graph,
        // not baked in at trace time.
        for (const auto* xs : {&c.xs, &c.xs2}) {
          auto eager = tape_gradients(f, *xs, w);
          REQUIRE(eager.size() == xs->size());
          check_same(step(*xs), eager, kt::kF64, c.name + ": traced vs eager");
        }
        CHECK(step.trace_count() == 1);
        // The eager tape itself is right (against central differences) for this input.
        grad_check(c.name, f, c.xs);
      }
    }
}

TEST_CASE("a traced training step takes the gradient of its tensor arguments", "[autodiff]") {
  Tensor w = weights_for(zeros({3, 2, 4}, f64));
  auto body = [w](Tensor a, Tensor b) {
    GradientTape t;
    t.watch(a);
    t.watch(b);
    Tensor loss = sum(tanh(a * b) * w);
    return t.gradient(loss, {a, b});
  };
  auto a = plain({3, 1, 4}, 1), b = plain({2, 4}, 2);
  auto eager = body(a, b);
  for (bool jit : {false, true}) {
    auto f = kiln::function(body, graph_mode(jit));
    check_same(f(a, b), eager, kt::kF64, jit ? "jit" : "graph mode");
  }
  grad_check("tanh(a * b)", [](auto& x) { return tanh(x[0] * x[1]); }, {a, b});
}

// ---- 3. Tape semantics --------------------------------------------------------------------------

TEST_CASE("a non-persistent tape answers once", "[autodiff]") {
  auto x = plain({3}, 1);
  SECTION("eagerly") {
    GradientTape tape;
    CHECK_FALSE(tape.persistent());
    tape.watch(x);
    Tensor y = sum(x * x);
    auto g = tape.gradient(y, {x});
    CHECK_TENSOR(g.at(0), kt::values(x * 2.0), Shape{3}, f64, kt::kF64);
    kiln_error_of([&] { tape.gradient(y, {x}); });
  }
  SECTION("traced") {
    for (bool jit : {false, true}) {
      auto f = kiln::function(
          [](Tensor a) {
            GradientTape tape;
            tape.watch(a);
            Tensor y = sum(a * a);
            tape.gradient(y, {a});
            return tape.gradient(y, {a}).at(0);
          },
          graph_mode(jit));
      kiln_error_of([&] { f(x); });
    }
  }
}

TEST_CASE("a persistent tape answers several times alike", "[autodiff]") {
  auto x = plain({2, 3}, 1), y = plain({3}, 2);
  Variable v(plain({3}, 3), "v");
  GradientTape tape(/*persistent=*/true);
  CHECK(tape.persistent());
  tape.watch(x);
  tape.watch(y);
  Tensor loss = sum(tanh(x * y) * v);
  auto g1 = tape.gradient(loss, {x, y});
  auto g2 = tape.gradient(loss, {x, y});
  auto gv = tape.gradient(loss, {&v});
  auto gy = tape.gradient(loss, {y});
  check_same(g2, g1, kt::kExact, "second answer");
  check_same(gy, {g1.at(1)}, kt::kExact, "a subset of the sources");
  // Against the closed forms: d/dx = (1 - tanh²(xy)) y v, d/dv = sum_rows tanh(xy).
  auto t = tanh(x * y);
  CHECK_TENSOR(g1.at(0), kt::values((1.0 - t * t) * y * v.value()), Shape{2, 3}, f64, kt::kF64);
  CHECK_TENSOR(gv.at(0), kt::values(sum(t, 0)), Shape{3}, f64, kt::kF64);
}

TEST_CASE("variables are watched by default, plain tensors only when watched", "[autodiff]") {
  auto c = plain({3, 4}, 1);
  SECTION("a variable read under the tape") {
    Variable w(plain({3, 4}, 2), "w");
    GradientTape tape;
    Tensor loss = sum(tanh(w) * c);  // w converts to a read
    auto g = tape.gradient(loss, {&w});
    REQUIRE(g.size() == 1);
    auto t = tanh(w.value());
    CHECK_TENSOR(g[0], kt::values((1.0 - t * t) * c), Shape{3, 4}, f64, kt::kF64);
  }
  SECTION("an unwatched tensor gets zeros, a watched one its gradient") {
    auto x = plain({3, 4}, 3), y = plain({4}, 4);
    GradientTape tape;
    tape.watch(y);
    Tensor loss = sum(x * y * c);
    auto g = tape.gradient(loss, {x, y});
    REQUIRE(g.size() == 2);
    check_zeros(g[0], {3, 4}, f64);
    CHECK_TENSOR(g[1], kt::values(sum(x * c, 0)), Shape{4}, f64, kt::kF64);
  }
  SECTION("a tensor computed from a watched one is differentiable too") {
    auto x = plain({3, 4}, 3);
    GradientTape tape;
    tape.watch(x);
    Tensor h = x * 2.0;
    Tensor loss = sum(h * h * c);
    auto g = tape.gradient(loss, {h, x});
    CHECK_TENSOR(g.at(0), kt::values(2.0 * h * c), Shape{3, 4}, f64, kt::kF64);
    CHECK_TENSOR(g.at(1), kt::values(8.0 * x * c), Shape{3, 4}, f64, kt::kF64);
  }
}

TEST_CASE("unconnected and integer sources get zeros of their shape and dtype", "[autodiff]") {
  auto x = plain({3}, 1);
  auto unused = kt::make(kt::uniform(6, -1, 1, 2), {2, 3}, DType::f32);
  auto ints = i64s({1, -2, 3}, {3});
  auto flags = Tensor::from(std::vector<bool>{true, false, true}, {3});
  Variable vi(i64s({4, 5, 6}, {3}), "vi");
  Variable vunused(plain({2, 2}, 3), "vunused");
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  tape.watch(unused);
  Tensor loss = sum(x * cast(ints, f64) * cast(flags, f64) + x * cast(vi, f64));
  auto g = tape.gradient(loss, {unused, x, ints, flags});
  REQUIRE(g.size() == 4);
  check_zeros(g[0], {2, 3}, DType::f32);
  CHECK_TENSOR(g[1], {1 * 1 + 4, 0 + 5, 3 * 1 + 6}, Shape{3}, f64, kt::kF64);
  check_zeros(g[2], {3}, DType::i64);
  check_zeros(g[3], {3}, DType::boolean);
  // Two variables in braces: the initializer_list overload (not vector<Tensor>).
  auto gv = tape.gradient(loss, {&vunused, &vi});
  REQUIRE(gv.size() == 2);
  check_zeros(gv[0], {2, 2}, f64);
  check_zeros(gv[1], {3}, DType::i64);
}

TEST_CASE("a non-scalar target is summed first", "[autodiff]") {
  auto x = plain({3, 4}, 1), b = plain({4}, 2), c = plain({3, 4}, 3);
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  tape.watch(b);
  Tensor target = tanh(x * b) * c;  // (3, 4)
  auto g = tape.gradient(target, {x, b});
  auto gs = tape.gradient(sum(target), {x, b});
  check_same(g, gs, kt::kF64, "gradient(target) vs gradient(sum(target))");
  auto t = tanh(x * b);
  CHECK_TENSOR(g.at(0), kt::values((1.0 - t * t) * b * c), Shape{3, 4}, f64, kt::kF64);
}

TEST_CASE("nested tapes give second derivatives", "[autodiff]") {
  // {f'(x), f''(x)} by an inner tape inside an outer one.
  auto second = [](const std::function<Tensor(const Tensor&)>& fn) {
    return [fn](Tensor x) {
      GradientTape outer;
      outer.watch(x);
      Tensor d1;
      {
        GradientTape inner;
        inner.watch(x);
        d1 = inner.gradient(fn(x), {x}).at(0);  // elementwise fn: d sum(fn) / dx = fn'(x)
      }
      Tensor d2 = outer.gradient(d1, {x}).at(0);
      return std::vector<Tensor>{d1, d2};
    };
  };
  auto x = plain({2, 3}, 1);
  auto xv = kt::values(x);
  auto cube = second([](const Tensor& t) { return t * t * t; });
  auto cube_pow = second([](const Tensor& t) { return pow(t, 3.0); });
  auto th = second([](const Tensor& t) { return tanh(t); });
  auto want_cube =
      std::vector<std::vector<double>>{kt::apply1(xv, [](double v) { return 3 * v * v; }),
                                       kt::apply1(xv, [](double v) { return 6 * v; })};
  auto want_tanh = std::vector<std::vector<double>>{
      kt::apply1(xv, [](double v) { return 1 - std::tanh(v) * std::tanh(v); }),
      kt::apply1(xv, [](double v) {
        double t = std::tanh(v);
        return -2 * t * (1 - t * t);
      })};
  auto check = [&](const std::vector<Tensor>& got, const std::vector<std::vector<double>>& want,
                   const std::string& what) {
    INFO(what);
    REQUIRE(got.size() == 2);
    CHECK_TENSOR(got[0], want[0], Shape{2, 3}, f64, kt::kF64);
    CHECK_TENSOR(got[1], want[1], Shape{2, 3}, f64, kt::kF64);
  };
  auto xp = positive({2, 3}, 2);  // pow with a positive base
  auto xpv = kt::values(xp);
  auto want_pow =
      std::vector<std::vector<double>>{kt::apply1(xpv, [](double v) { return 3 * v * v; }),
                                       kt::apply1(xpv, [](double v) { return 6 * v; })};
  check(cube(x), want_cube, "x*x*x eagerly");
  check(cube_pow(xp), want_pow, "pow(x, 3) eagerly");
  check(th(x), want_tanh, "tanh eagerly");
  for (bool jit : {false, true}) {
    std::string mode = jit ? " (jit)" : " (graph mode)";
    check(kiln::function(cube, graph_mode(jit))(x), want_cube, "x*x*x traced" + mode);
    check(kiln::function(cube_pow, graph_mode(jit))(xp), want_pow, "pow(x, 3) traced" + mode);
    check(kiln::function(th, graph_mode(jit))(x), want_tanh, "tanh traced" + mode);
  }
}

TEST_CASE("a tape around a compiled call differentiates through it", "[autodiff]") {
  // The call is one node of the tape whose gradient is the function's own traced gradient:
  // for watched arguments and for the variables the function reads (the
  // variables' gradients were once zeros), equal to the eager tape's, in graph mode and jit.
  for (bool jit : {false, true}) {
    INFO("jit " << jit);
    Variable w(uniform({3, 2}, 7, -1, 1), "w");
    Variable b(uniform({2}, 8, -1, 1), "b");
    auto model = [&](Tensor x) { return tanh(matmul(x, w) + b); };
    auto f = kiln::function(model, graph_mode(jit));
    for (uint64_t seed : {1, 2}) {  // the second call: both functions cached
      Tensor x = plain({4, 3}, seed);
      std::vector<Tensor> want, want_vars, got, got_vars;
      {
        GradientTape tape(/*persistent=*/true);
        tape.watch(x);
        Tensor y = model(x);
        Tensor loss = sum(y * y);
        want_vars = tape.gradient(loss, {&w, &b});
        want = tape.gradient(loss, std::vector<Tensor>{x});
      }
      {
        GradientTape tape(/*persistent=*/true);
        tape.watch(x);
        Tensor y = f(x);
        Tensor loss = sum(y * y);
        got_vars = tape.gradient(loss, {&w, &b});
        got = tape.gradient(loss, std::vector<Tensor>{x});
      }
      check_same(got, want, kt::Tol{1e-12, 1e-14}, "argument's gradient");
      check_same(got_vars, want_vars, kt::Tol{1e-12, 1e-14}, "variables' gradients");
    }
    CHECK(f.trace_count() == 1);
  }
}

TEST_CASE("a compiled call that assigns variables differentiates as it ran", "[autodiff]") {
  // The gradient replays the function on the variables' values as the call found them,
  // without its effects: the update is applied once, nothing is printed twice, and the
  // gradients are the eager tape's (a read after an assignment is a read of the variable).
  Variable v(uniform({3}, 3, -1, 1), "v");
  Variable steps(zeros({}, f64), "steps");
  auto step = [&](Tensor x) {
    Tensor y = sum(v * x);
    v.assign(v * 2.0);
    steps.assign_add(ones({}, f64));
    print(y, "y");
    return y + sum(v.value() * x * x);
  };
  Tensor x = plain({3}, 4);
  const Tensor v0 = v.value();
  std::vector<Tensor> want;
  {
    kt::CaptureCout quiet;
    GradientTape tape(/*persistent=*/true);
    tape.watch(x);
    Tensor out = step(x);
    want = tape.gradient(out, std::vector<Tensor>{x});
    want.push_back(tape.gradient(out, {&v})[0]);
  }
  const auto v_after_eager = v.value().to_vector<double>();
  v.assign(v0);
  steps.assign(zeros({}, f64));
  auto f = kiln::function(step);
  std::vector<Tensor> got;
  std::string printed;
  {
    kt::CaptureCout out;
    GradientTape tape(/*persistent=*/true);
    tape.watch(x);
    Tensor y = f(x);
    got = tape.gradient(y, std::vector<Tensor>{x});
    got.push_back(tape.gradient(y, {&v})[0]);
    printed = out.str();
  }
  check_same(got, want, kt::Tol{1e-12, 1e-14}, "the argument's and the variable's gradients");
  CHECK(v.value().to_vector<double>() == v_after_eager);  // updated once, not by the gradient
  CHECK(steps.value().item<double>() == 1.0);
  const size_t first = printed.find("y: ");
  CHECK(first != std::string::npos);
  CHECK(printed.find("y: ", first + 1) == std::string::npos);  // printed once
}

// ---- 4. Control flow ----------------------------------------------------------------------------

TEST_CASE("gradient through cond: eager, traced and central differences agree", "[autodiff]") {
  Variable v(plain({4}, 1), "v");
  Tensor w = weights_for(zeros({3, 4}, f64), 2);
  // The branches capture x and y (watched outside the cond); the then-branch reads v.
  auto step = [&v, w](Tensor x, Tensor y, Tensor pred) {
    GradientTape tape(/*persistent=*/true);
    tape.watch(x);
    tape.watch(y);
    Tensor r = cond(
        pred, [&] { return tanh(x * v) + y; }, [&] { return x * x * y; });
    Tensor loss = sum(r * w);
    auto g = tape.gradient(loss, {x, y});
    g.push_back(tape.gradient(loss, {&v}).at(0));
    return g;  // {d/dx, d/dy, d/dv}
  };
  auto x = plain({3, 4}, 3), y = plain({4}, 4);
  auto graph = kiln::function(step, graph_mode(false));
  auto jit = kiln::function(step, graph_mode(true));
  for (bool p : {true, false}) {
    DYNAMIC_SECTION("pred " << p) {
      auto pred = Tensor::scalar<bool>(p);
      auto eager = step(x, y, pred);
      REQUIRE(eager.size() == 3);
      // Central differences of the same loss with v as a plain input.
      Fn f = [p](const std::vector<Tensor>& in) {
        return p ? tanh(in[0] * in[2]) + in[1] : in[0] * in[0] * in[1];
      };
      auto numeric = numeric_gradients(f, {x, y, v.value()}, w);
      const std::vector<Shape> shapes{x.shape(), y.shape(), v.shape()};
      for (size_t k = 0; k < 3; ++k) {
        INFO("gradient " << k << " (x, y, v) vs central differences");
        CHECK_TENSOR(eager[k], numeric[k], shapes[k], f64, kGradTol);
      }
      if (!p) check_zeros(eager[2], {4}, f64);  // v is read in the then-branch only
      check_same(graph(x, y, pred), eager, kt::kF64, "graph mode vs eager");
      check_same(jit(x, y, pred), eager, kt::kF64, "jit vs eager");
    }
  }
  SECTION("one trace serves both predicates (the cond is symbolic)") {
    graph(x, y, Tensor::scalar<bool>(true));
    graph(x, y, Tensor::scalar<bool>(false));
    CHECK(graph.trace_count() == 1);
  }
}

TEST_CASE("gradient through for_range with a known count: eager, traced and FD agree",
          "[autodiff]") {
  Tensor w = weights_for(zeros({2, 3}, f64), 3);
  // 3 iterations of c = tanh(c * k + 0.1 i).
  auto loop = [](const Tensor& count, const Tensor& c0, const Tensor& k) {
    return for_range(count,
                     [&](const Tensor& i, const std::vector<Tensor>& s) {
                       return std::vector<Tensor>{tanh(s[0] * k + cast(i, f64) * 0.1)};
                     },
                     {c0})
        .at(0);
  };
  auto three = Tensor::scalar<int64_t>(3);  // concrete while tracing: captured, not an argument
  auto with_host_count = [&](Tensor c0, Tensor k) {
    GradientTape tape;
    tape.watch(c0);
    tape.watch(k);
    Tensor c = for_range(3,
                         [&](const Tensor& i, const std::vector<Tensor>& s) {
                           return std::vector<Tensor>{tanh(s[0] * k + cast(i, f64) * 0.1)};
                         },
                         {c0})
                   .at(0);
    return tape.gradient(sum(c * w), {c0, k});
  };
  auto with_tensor_count = [&](Tensor c0, Tensor k) {
    GradientTape tape;
    tape.watch(c0);
    tape.watch(k);
    return tape.gradient(sum(loop(three, c0, k) * w), {c0, k});
  };
  auto c0 = plain({2, 3}, 4), k = plain({3}, 5);
  auto eager = with_host_count(c0, k);
  REQUIRE(eager.size() == 2);
  Fn f = [&](const std::vector<Tensor>& in) {
    Tensor c = in[0];
    for (int i = 0; i < 3; ++i) c = tanh(c * in[1] + 0.1 * i);
    return c;
  };
  auto numeric = numeric_gradients(f, {c0, k}, w);
  CHECK_TENSOR(eager[0], numeric[0], Shape{2, 3}, f64, kGradTol);
  CHECK_TENSOR(eager[1], numeric[1], Shape{3}, f64, kGradTol);
  check_same(with_tensor_count(c0, k), eager, kt::kF64, "eager, tensor count");
  for (bool jit : {false, true}) {
    std::string mode = jit ? " (jit)" : " (graph mode)";
    check_same(kiln::function(with_host_count, graph_mode(jit))(c0, k), eager, kt::kF64,
               "host count traced" + mode);
    check_same(kiln::function(with_tensor_count, graph_mode(jit))(c0, k), eager, kt::kF64,
               "captured concrete count traced" + mode);
  }
  SECTION("a traced trip count refuses reverse mode") {
    auto g = kiln::function([&](Tensor c, Tensor kk, Tensor n) {
      GradientTape tape;
      tape.watch(c);
      return tape.gradient(sum(loop(n, c, kk)), {c}).at(0);
    });
    kiln_error_of([&] { g(c0, k, Tensor::scalar<int64_t>(3)); });
  }
}

TEST_CASE("while_loop: eager runs are differentiable, a traced one refuses", "[autodiff]") {
  // Doubles until the sum reaches 10: 1.5 -> 3 -> 6 -> 12, three iterations.
  auto x = Tensor::from<double>({0.5, 0.25, 0.75}, {3});
  auto doubling = [](const Tensor& x0) {
    return while_loop([](const std::vector<Tensor>& s) { return sum(s[0]) < 10.0; },
                      [](const std::vector<Tensor>& s) { return std::vector<Tensor>{s[0] * 2.0}; },
                      {x0})
        .at(0);
  };
  SECTION("eagerly the loop runs directly and the tape records it") {
    GradientTape tape;
    tape.watch(x);
    Tensor y = doubling(x);
    auto g = tape.gradient(sum(y * y), {x});
    CHECK_TENSOR(g.at(0), kt::values(x * 128.0), Shape{3}, f64, kt::kF64);  // d(64 x²)/dx
  }
  SECTION("traced: gradient throws an error naming while_loop") {
    for (bool jit : {false, true}) {
      auto f = kiln::function(
          [&](Tensor a) {
            GradientTape tape;
            tape.watch(a);
            return tape.gradient(sum(doubling(a)), {a}).at(0);
          },
          graph_mode(jit));
      std::string msg = kiln_error_of([&] { f(x); });
      CHECK_THAT(msg, Catch::Contains("while_loop"));
    }
  }
}
