// Learning-rate schedules and set_learning_rate: a compiled training step follows the rate
// at every call without a retrace and keeps the optimizer's slots.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "reference.h"

using namespace kiln;

namespace {

constexpr DType f64 = DType::f64;

/// A least-squares problem: loss = mean((x w + b - y)^2) over fixed random data.
struct Problem {
  Tensor x = kt::make(kt::uniform(32 * 4, -1, 1, 1), {32, 4}, f64);
  Tensor y = kt::make(kt::uniform(32 * 3, -1, 1, 2), {32, 3}, f64);
};

struct Model {
  Variable w{kt::make(kt::uniform(12, -0.5, 0.5, 3), {4, 3}, f64), "w"};
  Variable b{zeros({3}, f64), "b"};
  std::vector<Variable*> vars() { return {&w, &b}; }
};

Tensor train_step(const Problem& p, Model& m, Optimizer& opt) {
  GradientTape tape;
  Tensor err = matmul(p.x, m.w.value()) + m.b.value() - p.y;
  Tensor loss = mean(err * err);
  opt.apply(tape.gradient(loss, m.vars()), m.vars());
  return loss;
}

double cosine_at(double step, double initial, double decay_steps, double alpha) {
  const double done = std::min(step, decay_steps) / decay_steps;
  return initial * ((1 - alpha) * 0.5 * (1 + std::cos(std::numbers::pi * done)) + alpha);
}

}  // namespace

TEST_CASE("a compiled Adam step with a cosine schedule equals the eager run over 100 steps",
          "[training][schedules]") {
  const Problem p;
  for (bool jit : {false, true}) {
    INFO((jit ? "jit" : "graph mode"));
    Model eager, compiled;
    Adam adam_e(schedules::cosine_decay(0.05, 80, 0.1));
    Adam adam_c(schedules::cosine_decay(0.05, 80, 0.1));
    FunctionOptions options;
    options.jit = jit;
    auto step = kiln::function([&] { return train_step(p, compiled, adam_c); }, options);
    double first = 0, last = 0;
    for (int s = 0; s < 100; ++s) {
      INFO("step " << s);
      const double want_rate = cosine_at(s, 0.05, 80, 0.1);
      CHECK(adam_c.learning_rate() == Approx(want_rate).epsilon(1e-14));
      const double le = train_step(p, eager, adam_e).item<double>();
      const double lc = step().item<double>();
      CHECK(lc == Approx(le).epsilon(1e-12));
      if (s == 0) first = lc;
      last = lc;
    }
    CHECK(step.trace_count() == 1);
    CHECK(last < first * 0.9);  // it trains (random targets: the residual stays large)
    auto we = eager.w.value().to_vector<double>(), wc = compiled.w.value().to_vector<double>();
    for (size_t i = 0; i < we.size(); ++i) CHECK(wc[i] == Approx(we[i]).epsilon(1e-12));
    CHECK(adam_c.iterations()->value().item<double>() == 100);
  }
}

TEST_CASE("set_learning_rate changes a compiled step without a retrace and keeps the slots",
          "[training][schedules]") {
  const Problem p;
  for (bool jit : {false, true}) {
    INFO((jit ? "jit" : "graph mode"));
    Model m;
    Adam adam(0.05);
    FunctionOptions options;
    options.jit = jit;
    auto step = kiln::function([&] { return train_step(p, m, adam); }, options);
    for (int s = 0; s < 3; ++s) step();
    // Rate 0: the weights stay where they are, but the moments and the count move on.
    adam.set_learning_rate(0);
    CHECK(adam.learning_rate() == 0);
    const auto w0 = m.w.value().to_vector<double>();
    const auto m0 = adam.variables().at(2)->value().to_vector<double>();  // w's first moment
    step();
    CHECK(m.w.value().to_vector<double>() == w0);
    CHECK(adam.variables().at(2)->value().to_vector<double>() != m0);
    CHECK(adam.iterations()->value().item<double>() == 4);
    // Back to a rate: the step equals an eager Adam that saw the same rates.
    adam.set_learning_rate(0.01);
    step();
    CHECK(m.w.value().to_vector<double>() != w0);
    CHECK(step.trace_count() == 1);

    Model e;
    Adam eager(0.05);
    for (int s = 0; s < 3; ++s) train_step(p, e, eager);
    eager.set_learning_rate(0);
    train_step(p, e, eager);
    eager.set_learning_rate(0.01);
    train_step(p, e, eager);
    auto we = e.w.value().to_vector<double>(), wc = m.w.value().to_vector<double>();
    for (size_t i = 0; i < we.size(); ++i) CHECK(wc[i] == Approx(we[i]).epsilon(1e-12));
  }
  SECTION("SGD, before and after its first apply") {
    Model m;
    SGD sgd(0.1);
    sgd.set_learning_rate(0.2);  // before the slots exist
    auto step = kiln::function([&] { return train_step(p, m, sgd); });
    step();
    const auto w1 = m.w.value().to_vector<double>();
    sgd.set_learning_rate(0);
    step();
    CHECK(m.w.value().to_vector<double>() == w1);
    CHECK(step.trace_count() == 1);
    Model e;
    SGD eager(0.2);
    train_step(p, e, eager);
    CHECK(e.w.value().to_vector<double>() == w1);
  }
}

TEST_CASE("schedules give the rates of their formulas", "[training][schedules]") {
  auto at = [](const LearningRateSchedule& s, double step) {
    return s(Tensor::scalar<double>(step)).item<double>();
  };
  auto exp_smooth = schedules::exponential_decay(0.1, 10, 0.5);
  auto exp_stairs = schedules::exponential_decay(0.1, 10, 0.5, true);
  auto pieces = schedules::piecewise_constant({10, 20}, {1.0, 0.5, 0.25});
  auto warm = schedules::linear_warmup(5, schedules::cosine_decay(1.0, 10));
  for (double step : {0.0, 1.0, 4.0, 5.0, 9.0, 10.0, 15.0, 19.0, 20.0, 25.0, 100.0}) {
    INFO("step " << step);
    CHECK(at(exp_smooth, step) == Approx(0.1 * std::pow(0.5, step / 10)).epsilon(1e-14));
    CHECK(at(exp_stairs, step) ==
          Approx(0.1 * std::pow(0.5, std::floor(step / 10))).epsilon(1e-14));
    CHECK(at(pieces, step) == (step < 10 ? 1.0 : step < 20 ? 0.5 : 0.25));
    const double after = cosine_at(std::max(step - 5, 0.0), 1.0, 10, 0);
    CHECK(at(warm, step) ==
          Approx(step < 5 ? after * step / 5 : after).epsilon(1e-14).margin(1e-16));
  }
}

TEST_CASE("schedule and learning-rate errors name the optimizer", "[training][schedules][errors]") {
  Adam scheduled(schedules::cosine_decay(0.1, 10));
  CHECK_THROWS_WITH(scheduled.set_learning_rate(0.1),
                    Catch::Contains("[Adam]") && Catch::Contains("schedule"));
  SGD sgd(0.1);
  CHECK_THROWS_WITH(sgd.set_learning_rate(-1), Catch::Contains("[SGD]") && Catch::Contains(">= 0"));
  CHECK_THROWS_WITH(sgd.set_learning_rate(std::nan("")), Catch::Contains("[SGD]"));
  CHECK(sgd.learning_rate() == 0.1);
  CHECK_THROWS_WITH(schedules::cosine_decay(0.1, 0), Catch::Contains("decay_steps"));
  CHECK_THROWS_WITH(schedules::piecewise_constant({1, 2}, {1.0}),
                    Catch::Contains("one more value"));
  CHECK_THROWS_WITH(schedules::piecewise_constant({2, 1}, {1.0, 2.0, 3.0}),
                    Catch::Contains("increasing"));
  CHECK_THROWS_AS(SGD(LearningRateSchedule{}), Error);
}
