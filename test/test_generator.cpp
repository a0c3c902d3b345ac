// kiln::Generator and nn::dropout: compiled functions draw new numbers at every call,
// reproducibly from the seed, the same eagerly and compiled, on any thread count; dropout's
// mask has the asked rate and its gradient masks the same positions.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "gradient_check.h"
#include "reference.h"

using namespace kiln;

namespace {

/// Restores the thread count a test changed.
struct ThreadCount {
  explicit ThreadCount(int n) : saved(num_threads()) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved); }
  int saved;
};

/// One "step": a uniform, a normal and an integer draw, concatenated as f64.
Tensor draws(Generator& gen) {
  Tensor u = cast(gen.uniform({3, 5}), DType::f64);
  Tensor n = gen.normal({7}, 1, 2, DType::f64);
  Tensor k = cast(gen.integers({4}, -10, 10), DType::f64);
  return concat({reshape(u, {-1}), n, k}, 0);
}

std::vector<std::vector<double>> eager_steps(uint64_t seed, int steps) {
  Generator gen(seed);
  std::vector<std::vector<double>> out;
  for (int i = 0; i < steps; ++i) out.push_back(draws(gen).to_vector<double>());
  return out;
}

std::vector<std::vector<double>> compiled_steps(uint64_t seed, int steps, bool jit) {
  Generator gen(seed);
  FunctionOptions options;
  options.jit = jit;
  auto f = kiln::function([&](Tensor x) { return draws(gen) + x; }, options);
  std::vector<std::vector<double>> out;
  for (int i = 0; i < steps; ++i) out.push_back(f(Tensor::scalar<double>(0)).to_vector<double>());
  CHECK(f.trace_count() == 1);
  CHECK(gen.draws() == 3 * steps);
  return out;
}

}  // namespace

TEST_CASE("a Generator draws anew at every call of a compiled function", "[random][generator]") {
  const int steps = 5;
  for (int threads : {1, 2}) {
    ThreadCount count(threads);
    INFO(threads << " thread(s)");
    auto eager = eager_steps(42, steps);
    for (bool jit : {false, true}) {
      INFO((jit ? "jit" : "graph mode"));
      auto compiled = compiled_steps(42, steps, jit);
      REQUIRE(compiled.size() == eager.size());
      for (int i = 0; i < steps; ++i) {
        INFO("call " << i);
        CHECK(compiled[static_cast<size_t>(i)] == eager[static_cast<size_t>(i)]);  // bit for bit
        if (i > 0) CHECK(compiled[static_cast<size_t>(i)] != compiled[static_cast<size_t>(i) - 1]);
      }
    }
  }
  // The same on either thread count, and another seed gives other numbers.
  std::vector<std::vector<double>> one, two;
  {
    ThreadCount count(1);
    one = eager_steps(7, 2);
  }
  {
    ThreadCount count(2);
    two = eager_steps(7, 2);
  }
  CHECK(one == two);
  CHECK(eager_steps(8, 2) != one);
}

TEST_CASE("Generator: draw 0 is the stateless op's; bad draws leave the state as it was",
          "[random][generator]") {
  Generator gen(99);
  Tensor a = gen.uniform({1000}, -1, 1);
  CHECK(a.to_vector<float>() == random_uniform({1000}, 99, -1, 1).to_vector<float>());
  CHECK(gen.draws() == 1);
  CHECK(gen.uniform({1000}, -1, 1).to_vector<float>() != a.to_vector<float>());
  CHECK(gen.draws() == 2);
  CHECK_THROWS_AS(gen.uniform({2}, 0, 1, DType::i32), Error);
  CHECK_THROWS_AS(gen.integers({2}, 5, 5), Error);
  CHECK_THROWS_AS(gen.normal({-1}), Error);
  CHECK(gen.draws() == 2);
  // Rewinding the state replays the stream.
  gen.state().assign(Tensor::from<int64_t>({99, 0}, {2}));
  CHECK(gen.uniform({1000}, -1, 1).to_vector<float>() == a.to_vector<float>());
  // The error names the op and the user's line.
  try {
    gen.integers({2}, 0, 1, DType::f64);
    FAIL("expected a kiln::Error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("[random_int]") && Catch::Contains("test_generator.cpp"));
  }
}

TEST_CASE("dropout: the mask rate, the scaling, and a gradient through the kept positions",
          "[random][dropout]") {
  Generator gen(5);
  const int64_t n = 1000000;
  Tensor x = ones({n});
  for (double rate : {0.1, 0.5, 0.9}) {
    INFO("rate " << rate);
    auto y = nn::dropout(x, rate, gen).to_vector<float>();
    int64_t dropped = 0;
    bool scaled = true;
    const float scale = static_cast<float>(1.0 / (1.0 - rate));
    for (float v : y) {
      dropped += v == 0;
      scaled = scaled && (v == 0 || v == scale);
    }
    CHECK(scaled);
    const double sigma = std::sqrt(rate * (1 - rate) / static_cast<double>(n));
    CHECK(std::fabs(static_cast<double>(dropped) / static_cast<double>(n) - rate) < 3 * sigma);
  }
  // Not training, rate 0: x itself; rate 1: zeros.
  CHECK(nn::dropout(x, 0.5, gen, false).to_vector<float>() == x.to_vector<float>());
  CHECK(nn::dropout(x, 0, gen).to_vector<float>() == x.to_vector<float>());
  CHECK(sum(nn::dropout(x, 1, gen)).item<float>() == 0);
  CHECK_THROWS_AS(nn::dropout(x, 1.5, gen), Error);
  CHECK_THROWS_AS(nn::dropout(ones({3}, DType::i32), 0.5, gen), Error);

  SECTION("the gradient masks the same positions, eager and compiled") {
    Tensor w = kt::make(kt::uniform(64, -2, 2, 3), {8, 8}, DType::f64);
    for (int mode = 0; mode < 3; ++mode) {
      INFO((mode == 0 ? "eager" : mode == 1 ? "graph mode" : "jit"));
      Generator g(11);
      auto step = [&](const Tensor& in) {
        GradientTape tape;
        tape.watch(in);
        Tensor y = nn::dropout(in, 0.25, g);
        Tensor loss = sum(y * y);
        return std::vector<Tensor>{y, tape.gradient(loss, {in})[0]};
      };
      auto f =
          kiln::function([&](Tensor in) { return step(in); }, gradcheck::graph_mode(mode == 2));
      for (int call = 0; call < 3; ++call) {
        auto out = mode == 0 ? step(w) : f(w);
        auto y = out[0].to_vector<double>(), g_ = out[1].to_vector<double>();
        auto wv = w.to_vector<double>();
        int dropped = 0;
        for (size_t i = 0; i < y.size(); ++i) {
          if (y[i] == 0) {
            ++dropped;
            CHECK(g_[i] == 0);
          } else {
            CHECK(y[i] == wv[i] * (1 / 0.75));
            CHECK(g_[i] == Approx(2 * y[i] / 0.75).epsilon(1e-14));
          }
        }
        CHECK(dropped > 0);
        CHECK(dropped < 64);
      }
    }
  }
}

TEST_CASE("dropout on dynamic shapes draws a mask of each call's size", "[random][dropout]") {
  for (bool jit : {false, true}) {
    INFO((jit ? "jit" : "graph mode"));
    Generator gen(1), eager(1);
    FunctionOptions options;
    options.jit = jit;
    options.input_signature = {TensorSpec{{-1, -1}, DType::f32}};
    auto f = kiln::function([&](Tensor x) { return nn::dropout(x, 0.5, gen); }, options);
    for (const Shape& s : {Shape{10, 100}, Shape{30, 7}, Shape{1, 2000}}) {
      INFO("shape " << kt::shape_string(s));
      Tensor x = ones(s);
      Tensor got = f(x);
      REQUIRE(got.shape() == s);
      // The same draw as an eager generator at the same count: bit for bit.
      CHECK(got.to_vector<float>() == nn::dropout(x, 0.5, eager).to_vector<float>());
      const double kept = sum(cast(got > 0.0f, DType::f64)).item<double>() / x.numel();
      CHECK(std::fabs(kept - 0.5) < 4 * std::sqrt(0.25 / x.numel()));
    }
    CHECK(f.trace_count() == 1);
    CHECK(gen.draws() == 3);
  }
}

TEST_CASE("random draws inside traced loops and conds under a tape: never a re-drawn mask",
          "[random][dropout][autodiff]") {
  Tensor w0 = random_normal({4, 4}, 1, 0, 0.5, DType::f64);
  Tensor x = random_normal({2, 4}, 2, 0, 1, DType::f64);
  // A recurrent step with dropout: the gradient must use the masks the forward pass drew
  // (a rematerializing reverse pass would draw new ones: a wrong gradient, no error).
  auto run = [&](Variable& w, Generator& gen, Variable& steps) {
    GradientTape tape;
    auto out = for_range(
        3,
        [&](const Tensor&, const std::vector<Tensor>& c) -> std::vector<Tensor> {
          steps.assign(steps.value() + 1.0);
          return {nn::dropout(tanh(matmul(c[0], w.value())), 0.5, gen)};
        },
        {x});
    Tensor loss = sum(out[0] * out[0]);
    return std::vector<Tensor>{loss, tape.gradient(loss, {&w})[0]};
  };
  Variable we(w0, "w"), se(Tensor::scalar(0.0), "steps");
  Generator ge(3);
  const auto want = run(we, ge, se);
  for (bool jit : {false, true}) {
    INFO((jit ? "jit" : "graph mode"));
    Variable w(w0, "w"), steps(Tensor::scalar(0.0), "steps");
    Generator gen(3);
    auto f = kiln::function([&](Tensor) { return run(w, gen, steps); }, gradcheck::graph_mode(jit));
    const auto got = f(x);
    CHECK(got[0].item<double>() == Approx(want[0].item<double>()).epsilon(1e-14));
    auto g = got[1].to_vector<double>(), e = want[1].to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(e[i]).epsilon(1e-12).margin(1e-14));
    CHECK(gen.draws() == 3);  // one mask per iteration, none re-drawn for the gradient
    CHECK(steps.value().item<double>() == 3);
  }
  SECTION("a cond with a draw in a branch refuses reverse mode by name") {
    Variable w(w0, "w");
    Generator gen(3);
    auto f = kiln::function([&](Tensor p) {
      GradientTape tape;
      Tensor y = cond(p, [&] { return nn::dropout(matmul(x, w.value()), 0.5, gen); },
                      [&] { return matmul(x, w.value()); });
      return tape.gradient(sum(y), {&w})[0];
    });
    try {
      f(Tensor::scalar(true));
      FAIL("expected a kiln::Error");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("cond") && Catch::Contains("Generator") &&
                               Catch::Contains("test_generator.cpp"));
    }
  }
}

TEST_CASE("a tape around a compiled call with dropout differentiates the masks the call drew",
          "[random][dropout][autodiff]") {
  Tensor w0 = random_normal({4, 3}, 4, 0, 0.5, DType::f64);
  Tensor x = random_normal({5, 4}, 5, 0, 1, DType::f64);
  for (bool jit : {false, true}) {
    INFO((jit ? "jit" : "graph mode"));
    Variable w(w0, "w");
    Generator gen(8), eager_gen(8);
    auto forward = kiln::function(
        [&](Tensor in) { return nn::dropout(matmul(in, w.value()), 0.5, gen); },
        gradcheck::graph_mode(jit));
    for (int call = 0; call < 2; ++call) {
      GradientTape tape;
      Tensor y = forward(x);
      auto g = tape.gradient(sum(y * y), {&w})[0].to_vector<double>();
      // Eagerly, with a generator at the same count: the same mask, the same gradient.
      Variable we(w0, "w");
      GradientTape eager_tape;
      Tensor ye = nn::dropout(matmul(x, we.value()), 0.5, eager_gen);
      CHECK(y.to_vector<double>() == ye.to_vector<double>());
      auto ge = eager_tape.gradient(sum(ye * ye), {&we})[0].to_vector<double>();
      for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(ge[i]).epsilon(1e-12).margin(1e-14));
    }
    CHECK(gen.draws() == 2);  // the gradient's replay drew nothing
  }
}
