// Training helpers: kiln::Dense and kiln::MLP, kiln::SGD and kiln::Adam against host f64
// references, eagerly and compiled, and whole training steps (tape + optimizer) compiled
// against the same steps run eagerly.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "reference.h"

using namespace kiln;
using Catch::Contains;

namespace {

/// |got - want| <= rel * |want| + abs, elementwise, same dtype and shape.
void check_close(const Tensor& got, const Tensor& want, double rel, double abs,
                 const std::string& what) {
  INFO(what);
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": " << g[i] << " vs " << w[i]);
    REQUIRE(std::abs(g[i] - w[i]) <= rel * std::abs(w[i]) + abs);
  }
}

void check_values(const Tensor& got, const std::vector<double>& want, double rel,
                  const std::string& what) {
  INFO(what);
  auto g = got.to_vector<double>();
  REQUIRE(g.size() == want.size());
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": " << g[i] << " vs " << want[i]);
    REQUIRE(std::abs(g[i] - want[i]) <= rel * std::abs(want[i]) + 1e-12);
  }
}

// Three steps of fixed gradients for a (2, 3) and a (3,) variable, f64 on the host.
const std::vector<double> kInitW{0.5, -1.0, 2.0, 0.0, 0.25, -0.75};
const std::vector<double> kInitB{0.1, -0.2, 0.3};
std::vector<double> grad_w(int step) {
  std::vector<double> g;
  for (int i = 0; i < 6; ++i) g.push_back(std::sin(1.0 + i + 3.0 * step) * (i % 2 ? 2.0 : 0.5));
  return g;
}
std::vector<double> grad_b(int step) {
  return {0.3 - 0.1 * step, -1.0 + 0.5 * step, step == 1 ? 0.0 : 1e-3};
}

struct Pair {  // the two variables and their host mirrors
  Variable w{Tensor::from(kInitW, {2, 3}), "w"};
  Variable b{Tensor::from(kInitB, {3}), "b"};
  std::vector<Variable*> vars() { return {&w, &b}; }
};

std::vector<Tensor> grads_at(int step, DType dtype = DType::f64) {
  return {cast(Tensor::from(grad_w(step), {2, 3}), dtype),
          cast(Tensor::from(grad_b(step), {3}), dtype)};
}

// tf.keras' SGD: m = momentum * m - lr * g; p += m (p -= lr * g without momentum).
std::vector<double> sgd_reference(std::vector<double> p, std::vector<double> (*grad)(int),
                                  double lr, double momentum) {
  std::vector<double> m(p.size(), 0.0);
  for (int step = 0; step < 3; ++step) {
    auto g = grad(step);
    for (size_t i = 0; i < p.size(); ++i) {
      if (momentum == 0) {
        p[i] -= lr * g[i];
      } else {
        m[i] = momentum * m[i] - lr * g[i];
        p[i] += m[i];
      }
    }
  }
  return p;
}

// tf.keras' Adam, epsilon outside the square root.
std::vector<double> adam_reference(std::vector<double> p, std::vector<double> (*grad)(int),
                                   double lr, double b1, double b2, double eps) {
  std::vector<double> m(p.size(), 0.0), v(p.size(), 0.0);
  for (int step = 0; step < 3; ++step) {
    auto g = grad(step);
    double t = step + 1;
    double lr_t = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
  return p;
}

}  // namespace

// ---- Optimizers against the host reference -------------------------------------------------

TEST_CASE("SGD matches tf.keras' update over 3 steps", "[training]") {
  for (double momentum : {0.0, 0.9}) {
    INFO("momentum " << momentum);
    Pair p;
    SGD opt(0.1, momentum);
    for (int step = 0; step < 3; ++step) opt.apply(grads_at(step), p.vars());
    check_values(p.w.value(), sgd_reference(kInitW, grad_w, 0.1, momentum), 1e-12, "w");
    check_values(p.b.value(), sgd_reference(kInitB, grad_b, 0.1, momentum), 1e-12, "b");
    // iterations and the learning rate, and a velocity per variable with momentum.
    CHECK(opt.variables().size() == (momentum == 0 ? 2u : 4u));
  }
}

TEST_CASE("Adam matches tf.keras' update over 3 steps", "[training]") {
  struct Case {
    double lr, b1, b2, eps;
  };
  // The defaults, and a large epsilon where its place (outside the sqrt) shows.
  for (Case c : {Case{1e-3, 0.9, 0.999, 1e-7}, Case{0.05, 0.8, 0.95, 0.1}}) {
    INFO("lr " << c.lr << " eps " << c.eps);
    Pair p;
    Adam opt(c.lr, c.b1, c.b2, c.eps);
    for (int step = 0; step < 3; ++step) opt.apply(grads_at(step), p.vars());
    check_values(p.w.value(), adam_reference(kInitW, grad_w, c.lr, c.b1, c.b2, c.eps), 1e-12, "w");
    check_values(p.b.value(), adam_reference(kInitB, grad_b, c.lr, c.b1, c.b2, c.eps), 1e-12, "b");
    REQUIRE(opt.step() != nullptr);
    CHECK(opt.step()->value().item<double>() == 3.0);
    CHECK(opt.variables().size() == 6u);  // iterations, learning rate, and m and v per variable
  }
}

TEST_CASE("optimizers on f32 variables stay within f32 rounding of the f64 reference",
          "[training]") {
  Variable w(Tensor::from(kInitW, {2, 3}).astype(DType::f32), "w");
  Variable b(Tensor::from(kInitB, {3}).astype(DType::f32), "b");
  Adam opt(0.05);
  for (int step = 0; step < 3; ++step) opt.apply(grads_at(step, DType::f32), {&w, &b});
  auto want = adam_reference(kInitW, grad_w, 0.05, 0.9, 0.999, 1e-7);
  auto got = w.value().to_vector<double>();
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(std::abs(got[i] - want[i]) <= 1e-5 * std::abs(want[i]) + 1e-6);
  CHECK(w.dtype() == DType::f32);
}

TEST_CASE("optimizers compiled equal optimizers run eagerly", "[training]") {
  for (bool jit : {false, true}) {
    INFO("jit " << jit);
    Pair eager, compiled;
    SGD sgd_e(0.1, 0.5), sgd_c(0.1, 0.5);
    Adam adam_e(0.05), adam_c(0.05);
    FunctionOptions options;
    options.jit = jit;
    // The slots are created during the first trace (allowed there, as in tf.function), and
    // Adam's bias correction must follow the step count from call to call.
    auto step = kiln::function(
        [&](Tensor gw, Tensor gb) {
          sgd_c.apply({gw, gb}, {&compiled.w, &compiled.b});
          adam_c.apply({gw * 0.5, gb * 0.5}, {&compiled.w, &compiled.b});
        },
        options);
    for (int s = 0; s < 3; ++s) {
      auto g = grads_at(s);
      step(g[0], g[1]);
      sgd_e.apply(g, eager.vars());
      adam_e.apply({g[0] * 0.5, g[1] * 0.5}, eager.vars());
    }
    CHECK(step.trace_count() == 1);
    check_close(compiled.w.value(), eager.w.value(), 1e-12, 1e-14, "w");
    check_close(compiled.b.value(), eager.b.value(), 1e-12, 1e-14, "b");
    CHECK(adam_c.step()->value().item<double>() == 3.0);
  }
}

TEST_CASE("optimizer errors name the optimizer and the variable", "[training][errors]") {
  Pair p;
  Adam adam;
  auto g = grads_at(0);
  auto error = [&](std::vector<Tensor> grads, std::vector<Variable*> vars) {
    return kt::error_of([&] { adam.apply(grads, vars); });
  };
  CHECK_THAT(error({g[0]}, p.vars()),
             Contains("[Adam]") && Contains("1 gradients for 2 variables"));
  CHECK_THAT(error({g[1], g[0]}, p.vars()), Contains("[Adam]") && Contains("'w'") &&
                                                Contains("f64 (3,)") && Contains("f64 (2, 3)"));
  CHECK_THAT(error({g[0], g[1].astype(DType::f32)}, p.vars()),
             Contains("[Adam]") && Contains("'b'") && Contains("f32 (3,)"));
  CHECK_THAT(error({g[0], Tensor()}, p.vars()),
             Contains("[Adam]") && Contains("'b'") && Contains("undefined"));
  CHECK_THAT(error({g[0], g[0]}, {&p.w, &p.w}), Contains("[Adam]") && Contains("twice"));
  CHECK_THAT(error({g[0]}, {nullptr}), Contains("[Adam]") && Contains("null"));
  Variable count(zeros({3}, DType::i64), "count");
  CHECK_THAT(kt::error_of([&] { SGD(0.1).apply({zeros({3}, DType::i64)}, {&count}); }),
             Contains("[SGD]") && Contains("'count'") && Contains("floating"));
  // Nothing was written by the refused calls, and no slot was made.
  check_values(p.w.value(), kInitW, 0, "w untouched");
  CHECK(adam.variables().empty());

  adam.apply(g, p.vars());
  Variable other(zeros({3}, DType::f64), "other");
  CHECK_THAT(error({g[0], g[1]}, {&p.w, &other}),
             Contains("[Adam]") && Contains("('w', 'b')") && Contains("('w', 'other')"));
  CHECK_THAT(error({g[1], g[0]}, {&p.b, &p.w}), Contains("[Adam]") && Contains("first called"));

  CHECK_THAT(kt::error_of([] { SGD(-1); }), Contains("[SGD]") && Contains("learning rate"));
  CHECK_THAT(kt::error_of([] { SGD(0.1, 1.5); }), Contains("[SGD]") && Contains("momentum"));
  CHECK_THAT(kt::error_of([] { Adam(1e-3, 1.0); }), Contains("[Adam]") && Contains("beta1"));
  CHECK_THAT(kt::error_of([] { Adam(1e-3, 0.9, 0.999, -1); }),
             Contains("[Adam]") && Contains("epsilon"));
}

TEST_CASE("an optimizer's first apply in a retrace cannot create its slots", "[training][errors]") {
  Pair p;
  Adam adam;
  auto f = kiln::function([&](Tensor gw, Tensor gb, bool train) {
    if (train) adam.apply({gw, gb}, p.vars());
    return gw;
  });
  auto g = grads_at(0);
  f(g[0], g[1], false);  // the first trace makes no variable
  CHECK_THAT(kt::error_of([&] { f(g[0], g[1], true); }),
             Contains("[Adam] creating its slot variables") &&
                 Contains("function tried to create variables on non-first call"));
  // All or nothing: an eager first apply still works afterwards.
  adam.apply(g, p.vars());
  CHECK(adam.variables().size() == 6u);  // iterations, learning rate, m and v of w and b
}

// ---- Layers --------------------------------------------------------------------------------

TEST_CASE("Dense: Glorot-uniform kernel from the seed, zero bias", "[training]") {
  Dense a(30, 20, 7), b(30, 20, 7), c(30, 20, 8);
  CHECK(a.kernel().shape() == Shape{30, 20});
  CHECK(a.bias().shape() == Shape{20});
  CHECK(a.kernel().name() == "dense/kernel");
  auto ka = a.kernel().value().to_vector<float>();
  CHECK(ka == b.kernel().value().to_vector<float>());
  CHECK(ka != c.kernel().value().to_vector<float>());
  const double limit = std::sqrt(6.0 / 50.0);
  double lo = 0, hi = 0, total = 0;
  for (float v : ka) {
    lo = std::min<double>(lo, v);
    hi = std::max<double>(hi, v);
    total += v;
  }
  CHECK(lo >= -limit);
  CHECK(hi <= limit);
  CHECK(hi - lo > 1.8 * limit);  // it fills the range (600 draws)
  CHECK(std::abs(total / static_cast<double>(ka.size())) < 0.05 * limit);
  for (float v : a.bias().value().to_vector<float>()) CHECK(v == 0.0f);

  Dense d(4, 3, 1, Activation::tanh, DType::f64, "d");
  CHECK(d.kernel().dtype() == DType::f64);
  Tensor x = random_normal({5, 4}, 2, 0, 1, DType::f64);
  check_close(d(x), tanh(matmul(x, d.kernel().value()) + d.bias().value()), 0, 0, "tanh layer");
  CHECK_THAT(kt::error_of([&] {
               d(zeros({5, 3}, DType::f64));
             }),
             Contains("[Dense]") && Contains("'d'") && Contains("(5, 3)"));
  CHECK_THAT(kt::error_of([] { Dense(0, 3, 1); }), Contains("[Dense]"));
}

TEST_CASE("MLP: layers, activations and variables", "[training]") {
  MLP model({6, 5, 4, 3}, 11);
  REQUIRE(model.layers().size() == 3u);
  CHECK(model.layers()[0].activation() == Activation::relu);
  CHECK(model.layers()[1].activation() == Activation::relu);
  CHECK(model.layers()[2].activation() == Activation::none);
  auto vars = model.variables();
  REQUIRE(vars.size() == 6u);
  CHECK(vars[0]->name() == "mlp/dense0/kernel");
  CHECK(vars[5]->name() == "mlp/dense2/bias");
  CHECK(vars[2]->shape() == Shape{5, 4});

  // Same seed, same model; layers of one model (and of nearby seeds) all differ.
  MLP same({6, 5, 4, 3}, 11), next({6, 5, 4, 3}, 12);
  CHECK(same.variables()[0]->value().to_vector<float>() == vars[0]->value().to_vector<float>());
  auto first_row = [](Variable* v) { return slice(v->value(), {0, 0}, {1, 3}).to_vector<float>(); };
  CHECK(first_row(next.variables()[0]) != first_row(vars[0]));
  CHECK(first_row(next.variables()[0]) != first_row(vars[2]));
  CHECK(first_row(vars[0]) != first_row(vars[2]));

  Tensor x = random_normal({2, 6}, 3);
  Tensor h = relu(matmul(x, vars[0]->value()) + vars[1]->value());
  h = relu(matmul(h, vars[2]->value()) + vars[3]->value());
  check_close(model(x), matmul(h, vars[4]->value()) + vars[5]->value(), 0, 0, "forward");

  MLP moved = std::move(model);  // layers move with their variables
  CHECK(moved.variables()[0] == vars[0]);
  CHECK_THAT(kt::error_of([] { MLP({4}, 1); }), Contains("[MLP]") && Contains("two sizes"));
}

// ---- Whole training steps (GradientTape + optimizer) -------------------------------------

namespace {

// W4's step on a smaller MLP: mean softmax cross-entropy on i64 labels, one optimizer step.
template <class Opt>
Tensor train_step(MLP& model, Opt& opt, const Tensor& x, const Tensor& labels) {
  GradientTape tape;
  Tensor loss = mean(softmax_cross_entropy(model(x), labels));
  auto vars = model.variables();
  opt.apply(tape.gradient(loss, vars), vars);
  return loss;
}

// A learnable task: labels are the argmax of a fixed random linear map of x (64 examples).
struct Data {
  explicit Data(int64_t features = 32)
      : x(random_normal({64, features}, 101)),
        labels(argmax(matmul(x, random_normal({features, 10}, 102)), 1)) {}
  Tensor x, labels;
};

}  // namespace

// W4 itself: W3's MLP (784-512-512-10), batch 64, SGD lr=0.01.
TEST_CASE("a compiled SGD training step equals the eager one over 20 steps",
          "[training][autodiff]") {
  const std::vector<int64_t> w4 = {784, 512, 512, 10};
  Data data(784);
  REQUIRE(data.labels.dtype() == DType::i64);
  MLP eager_model(w4, 5);
  SGD eager_opt(0.01);
  std::vector<float> eager_loss;
  for (int i = 0; i < 20; ++i)
    eager_loss.push_back(train_step(eager_model, eager_opt, data.x, data.labels).item<float>());

  for (bool jit : {false, true}) {
    INFO("jit " << jit);
    MLP model(w4, 5);
    SGD opt(0.01);
    FunctionOptions options;
    options.jit = jit;
    auto step = kiln::function(
        [&](Tensor x, Tensor labels) { return train_step(model, opt, x, labels); }, options);
    std::vector<float> loss;
    for (int i = 0; i < 20; ++i) loss.push_back(step(data.x, data.labels).item<float>());
    CHECK(step.trace_count() == 1);
    for (int i = 0; i < 20; ++i) CHECK(std::abs(loss[i] - eager_loss[i]) <= 1e-5 * eager_loss[i]);
    auto got = model.variables(), want = eager_model.variables();
    for (size_t k = 0; k < got.size(); ++k)
      check_close(got[k]->value(), want[k]->value(), 1e-5, 1e-7, got[k]->name());
    CHECK(loss.back() < loss.front());
  }
}

TEST_CASE("a compiled Adam training step equals the eager one and learns", "[training][autodiff]") {
  Data data;
  MLP eager_model({32, 16, 10}, 6), model({32, 16, 10}, 6);
  Adam eager_opt(1e-2), opt(1e-2);
  auto step =
      kiln::function([&](Tensor x, Tensor labels) { return train_step(model, opt, x, labels); });
  float first = 0, last = 0;
  for (int i = 0; i < 60; ++i) {
    float want = train_step(eager_model, eager_opt, data.x, data.labels).item<float>();
    float got = step(data.x, data.labels).item<float>();
    REQUIRE(std::abs(got - want) <= 1e-4 * want);  // differences grow slowly over 60 steps
    if (i == 0) first = got;
    last = got;
  }
  CHECK(step.trace_count() == 1);
  CHECK(last < 0.5f * first);
  auto got = model.variables(), want = eager_model.variables();
  for (size_t k = 0; k < got.size(); ++k)
    check_close(got[k]->value(), want[k]->value(), 1e-4, 1e-6, got[k]->name());
}
