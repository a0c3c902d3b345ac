// Reverse mode through a traced for_range with a trip count known while tracing: the loop
// stays one kiln.for_range (the forward pass also stacks each iteration's carried values)
// and its gradient is a second kiln.for_range over the iterations backwards, so the graph
// does not grow with the count. Checked: gradients against central differences of plain
// C++ loops and against the eager tape (which sees every iteration run), in graph mode and
// the JIT, for carried values of every kind (floating, integer, unused), captured tensors,
// variables, nested loops, counts 0 and 1, a tape asked twice, and the refusal of a
// gradient of such a gradient.
#include <random>
#include <string>
#include <vector>

#include "gradient_check.h"

using namespace kiln;
using namespace kiln::gradcheck;

namespace {

/// Occurrences of `what` in `text`.
int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

constexpr int64_t kB = 3, kD = 4, kH = 5;

/// One recurrent step: h' = tanh(x_t W + h U + 0.01 step), with an integer step counter
/// carried beside h.
Tensor cell(const Tensor& x_t, const Tensor& h, const Tensor& w, const Tensor& u,
            const Tensor& step) {
  return tanh(matmul(x_t, w) + matmul(h, u) + cast(step, DType::f64) * 0.01);
}

/// The loop under test: T steps over xs (T, B, D) from h0 (B, H), reading u from a variable.
Tensor recurrent(int64_t steps, const Tensor& xs, const Tensor& h0, const Tensor& w,
                 const Variable& u) {
  auto out = for_range(steps,
                       [&](const Tensor& i, const std::vector<Tensor>& c) {
                         Tensor h = cell(gather(xs, i), c[0], w, u.value(), c[1]);
                         return std::vector<Tensor>{h, c[1] + 1};
                       },
                       {h0, Tensor::scalar<int32_t>(7)});
  return out.at(0);
}

/// The same computation as a plain C++ loop of eager ops (u an ordinary input).
Tensor recurrent_reference(int64_t steps, const std::vector<Tensor>& in) {
  Tensor h = in[1];
  for (int64_t t = 0; t < steps; ++t) {
    Tensor x_t = reshape(slice(in[0], {t, 0, 0}, {t + 1, kB, kD}), {kB, kD});
    h = cell(x_t, h, in[2], in[3], Tensor::scalar<int32_t>(static_cast<int32_t>(7 + t)));
  }
  return h;
}

/// f's gradients for inputs a and b: the eager tape against central differences, then
/// graph mode and the JIT against the eager tape.
void check_two_inputs(const Fn& f, const Tensor& a, const Tensor& b) {
  const Tensor weights = weights_for(f({a, b}));
  auto eager = tape_gradients(f, {a, b}, weights);
  auto numeric = numeric_gradients(f, {a, b}, weights);
  CHECK_TENSOR(eager[0], numeric[0], a.shape(), f64, kGradTol);
  CHECK_TENSOR(eager[1], numeric[1], b.shape(), f64, kGradTol);
  for (bool jit : {false, true}) {
    auto compiled = kiln::function(
        [&](Tensor x, Tensor y) {
          return tape_gradients(f, {x, y}, weights);
        },
        graph_mode(jit));
    check_same(compiled(a, b), eager, kt::kF64, jit ? "jit vs eager" : "graph mode vs eager");
  }
}

}  // namespace

TEST_CASE("gradient through a traced for_range: one loop each way, equal to eager and FD",
          "[autodiff][loop]") {
  for (int64_t steps : {int64_t{0}, int64_t{1}, int64_t{6}}) {
    DYNAMIC_SECTION(steps << " steps") {
      const Tensor xs = uniform({std::max<int64_t>(steps, 1), kB, kD}, 1);
      const Tensor h0 = uniform({kB, kH}, 2), w = uniform({kD, kH}, 3, -0.5, 0.5);
      const Tensor u0 = uniform({kH, kH}, 4, -0.5, 0.5);
      const Tensor weights = weights_for(h0);
      Variable u(u0, "u");
      // Gradients for xs, h0, w, then u, from one persistent tape asked twice.
      auto step = [&u, weights, steps](Tensor x, Tensor h, Tensor ww) {
        GradientTape tape(/*persistent=*/true);
        tape.watch(x);
        tape.watch(h);
        tape.watch(ww);
        Tensor loss = sum(recurrent(steps, x, h, ww, u) * weights);
        auto g = tape.gradient(loss, {x, h, ww});
        g.push_back(tape.gradient(loss, {&u}).at(0));
        return g;
      };
      auto eager = step(xs, h0, w);
      REQUIRE(eager.size() == 4);
      Fn f = [steps](const std::vector<Tensor>& in) { return recurrent_reference(steps, in); };
      auto numeric = numeric_gradients(f, {xs, h0, w, u0}, weights);
      const std::vector<Shape> shapes{xs.shape(), h0.shape(), w.shape(), u0.shape()};
      for (size_t k = 0; k < 4; ++k) {
        INFO("gradient " << k << " (xs, h0, w, u): eager tape vs central differences");
        CHECK_TENSOR(eager[k], numeric[k], shapes[k], f64, kGradTol);
      }
      for (bool jit : {false, true}) {
        auto compiled = kiln::function(step, graph_mode(jit));
        check_same(compiled(xs, h0, w), eager, kt::kF64,
                   jit ? "jit vs eager" : "graph mode vs eager");
        // The forward loop and one reverse loop per gradient asked: nothing unrolled.
        const std::string traced = compiled.ir(xs, h0, w, Stage::traced);
        CHECK(count_of(traced, "kiln.for_range") == 3);
        CHECK(count_of(traced, "kiln.index_update") == 2);  // h and the counter stacked
      }
    }
  }
}

TEST_CASE("a traced for_range's graph does not grow with its trip count", "[autodiff][loop]") {
  auto graph_for = [](int64_t steps) {
    const Tensor xs = uniform({steps, kB, kD}, 5), h0 = uniform({kB, kH}, 6);
    const Tensor w = uniform({kD, kH}, 7);
    Variable u(uniform({kH, kH}, 8), "u");
    auto f = kiln::function([&](Tensor x, Tensor h, Tensor ww) {
      GradientTape tape;
      tape.watch(ww);
      return tape.gradient(sum(recurrent(steps, x, h, ww, u)), {ww}).at(0);
    });
    return f.ir(xs, h0, w, Stage::optimized);
  };
  const std::string short_loop = graph_for(4), long_loop = graph_for(200);
  // The same ops (the stacks' zeros are inline constants or captured inputs by size).
  auto ops = [](const std::string& ir) {
    return count_of(ir, "kiln.") - count_of(ir, "kiln.constant");
  };
  INFO(short_loop << "\n=====\n" << long_loop);
  CHECK(ops(short_loop) == ops(long_loop));
  CHECK(count_of(long_loop, "kiln.for_range") == 2);
}

TEST_CASE("gradient through traced for_range: nested loops, outer tensors returned as they are",
          "[autodiff][loop]") {
  const Tensor a = uniform({2, 3}, 11), b = uniform({3}, 12);
  SECTION("a loop inside a loop") {
    // 3 outer iterations of 2 inner ones: s = sin(s * b + a) inside, s = s * a outside.
    auto nested = [](const Tensor& x, const Tensor& y) {
      return for_range(3,
                       [&](const Tensor&, const std::vector<Tensor>& o) {
                         Tensor inner = for_range(2,
                                                  [&](const Tensor&, const std::vector<Tensor>& c) {
                                                    return std::vector<Tensor>{sin(c[0] * y + x)};
                                                  },
                                                  {o[0]})
                                            .at(0);
                         return std::vector<Tensor>{inner * x};
                       },
                       {x})
          .at(0);
    };
    check_two_inputs([&](const std::vector<Tensor>& in) { return nested(in[0], in[1]); }, a, b);
  }
  SECTION("a body that returns an outer tensor unchanged, and a carried value left alone") {
    Fn f = [](const std::vector<Tensor>& in) {
      auto r = for_range(4,
                         [&](const Tensor&, const std::vector<Tensor>& c) {
                           return std::vector<Tensor>{in[0], c[1] * in[1]};
                         },
                         {zeros({2, 3}, f64), in[0]});
      return r[0] + r[1];  // in[0] + in[0] * in[1]^4
    };
    check_two_inputs(f, a, b);
  }
}

TEST_CASE("a gradient of a gradient through a traced for_range is refused by name",
          "[autodiff][loop]") {
  const Tensor a = uniform({3}, 21);
  auto squares = [](const Tensor& x) {
    return for_range(2,
                     [&](const Tensor&, const std::vector<Tensor>& c) {
                       return std::vector<Tensor>{c[0] * x};
                     },
                     {x})
        .at(0);  // x^3
  };
  auto second = [&](Tensor x) {
    GradientTape outer;
    outer.watch(x);
    Tensor g;
    {
      GradientTape inner;
      inner.watch(x);
      g = inner.gradient(sum(squares(x)), {x}).at(0);  // 3 x^2
    }
    return outer.gradient(sum(g), {x}).at(0);  // 6 x
  };
  // Eagerly the loop runs op by op, and the second derivative is there.
  CHECK_TENSOR(second(a), kt::values(a * 6.0), a.shape(), f64, kt::kF64);
  auto traced = kiln::function(second);
  const std::string msg = kiln_error_of([&] { traced(a); });
  CHECK_THAT(msg, Catch::Contains("gradient of a gradient") && Catch::Contains("for_range"));
  // The first derivative alone is fine with the outer tape still recording.
  auto first = kiln::function([&](Tensor x) {
    GradientTape outer;
    outer.watch(x);
    GradientTape inner;
    inner.watch(x);
    return inner.gradient(sum(squares(x)), {x}).at(0);
  });
  CHECK_TENSOR(first(a), kt::values(a * a * 3.0), a.shape(), f64, kt::kF64);
}

TEST_CASE("random loop bodies: traced gradients through for_range equal the eager tape's",
          "[autodiff][loop]") {
  // Each seed draws a body of 2 to 6 smooth ops over the carried h, a second carried value
  // g, the captured inputs x and w, a variable v and the index i, and a trip count in
  // [0, 7]; the gradients for x, w, h0 and v of a traced step (graph mode and the JIT)
  // must equal the eager tape's, which sees every iteration run.
  using Op = std::function<Tensor(const Tensor& h, const Tensor& g, const Tensor& x,
                                  const Tensor& w, const Tensor& v, const Tensor& i)>;
  const std::vector<std::pair<const char*, Op>> ops{
      {"tanh(h * x + g)",
       [](auto& h, auto& g, auto& x, auto&, auto&, auto&) { return tanh(h * x + g); }},
      {"sin(h) * w", [](auto& h, auto&, auto&, auto& w, auto&, auto&) { return sin(h) * w; }},
      {"sigmoid(h + v)",
       [](auto& h, auto&, auto&, auto&, auto& v, auto&) { return sigmoid(h + v); }},
      {"h * 0.9 + x * i", [](auto& h, auto&, auto& x, auto&, auto&,
                             auto& i) { return h * 0.9 + x * cast(i, DType::f64) * 0.1; }},
      {"matmul(h, outer(w, w))",
       [](auto& h, auto&, auto&, auto& w, auto&, auto&) {
         return matmul(h, matmul(reshape(w, {3, 1}), reshape(w, {1, 3}))) * 0.3;
       }},
      {"h * g", [](auto& h, auto& g, auto&, auto&, auto&, auto&) { return h * g; }},
      {"square(h) * 0.5 - x",
       [](auto& h, auto&, auto& x, auto&, auto&, auto&) { return square(h) * 0.5 - x; }},
  };
  std::mt19937_64 rng(2026);
  for (int seed = 0; seed < 24; ++seed) {
    const int64_t steps = static_cast<int64_t>(rng() % 8);
    std::vector<size_t> body_ops(2 + rng() % 5);
    for (size_t& k : body_ops) k = rng() % ops.size();
    std::string what = std::to_string(steps) + " steps of";
    for (size_t k : body_ops) what += std::string(" ") + ops[k].first + ";";
    INFO("seed " << seed << ": " << what);
    const Tensor x = uniform({2, 3}, 100 + seed), w = uniform({3}, 200 + seed);
    const Tensor h0 = uniform({2, 3}, 300 + seed), weights = weights_for(h0, 400 + seed);
    Variable v(uniform({3}, 500 + seed), "v");
    auto step = [&, steps, body_ops](Tensor xx, Tensor ww, Tensor hh) {
      GradientTape tape(/*persistent=*/true);
      tape.watch(xx);
      tape.watch(ww);
      tape.watch(hh);
      auto out = for_range(steps,
                           [&](const Tensor& i, const std::vector<Tensor>& c) {
                             Tensor h = c[0];
                             for (size_t k : body_ops)
                               h = ops[k].second(h, c[1], xx, ww, v.value(), i);
                             return std::vector<Tensor>{h, c[1] * 0.5 + h * 0.25};
                           },
                           {hh, ones({2, 3}, f64)});
      Tensor loss = sum((out[0] + out[1]) * weights);
      auto g = tape.gradient(loss, {xx, ww, hh});
      g.push_back(tape.gradient(loss, {&v}).at(0));
      return g;
    };
    const auto eager = step(x, w, h0);
    for (bool jit : {false, true}) {
      auto compiled = kiln::function(step, graph_mode(jit));
      check_same(compiled(x, w, h0), eager, Tol{1e-11, 1e-11},
                 jit ? "jit vs eager" : "graph vs eager");
    }
  }
}
