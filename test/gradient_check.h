// Gradient checks shared by the autodiff tests: the loss sum(f(xs) * W) with fixed random
// weights W, its gradients by a tape and by central differences in f64, and comparisons.
// Tolerances: test_gradients.cpp's header.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kiln/autodiff.h"
#include "reference.h"

namespace kiln::gradcheck {

using kt::Tol;

constexpr DType f64 = DType::f64;
constexpr double kEps = 1e-6;        // central-difference step
constexpr Tol kGradTol{1e-6, 1e-6};  // analytic vs numeric, f64

/// f64 values uniform in [lo, hi).
inline Tensor uniform(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  return kt::make(kt::uniform(kt::numel(s), lo, hi, seed), s, f64);
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

/// Fixed weights W (of y's shape and dtype) for the loss sum(y * W).
inline Tensor weights_for(const Tensor& y, uint64_t seed = 4242) {
  return kt::make(kt::uniform(y.numel(), -1, 1, seed), y.shape(), y.dtype());
}

/// d sum(f(xs) * w) / d xs, by a tape watching every input. The same code traces.
inline std::vector<Tensor> tape_gradients(const Fn& f, const std::vector<Tensor>& xs,
                                          const Tensor& w) {
  GradientTape tape;
  for (const auto& x : xs) tape.watch(x);
  Tensor loss = sum(f(xs) * w);
  return tape.gradient(loss, xs);
}

/// The same gradients by central differences of sum(f(xs) * w) (summed on the host in f64),
/// perturbing each element of each input by +-eps.
inline std::vector<std::vector<double>> numeric_gradients(const Fn& f,
                                                          const std::vector<Tensor>& xs,
                                                          const Tensor& w, double eps = kEps) {
  auto wv = kt::values(w);
  auto loss = [&](const std::vector<Tensor>& in) {
    auto y = kt::values(f(in));
    REQUIRE(y.size() == wv.size());
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += y[i] * wv[i];
    return s;
  };
  std::vector<std::vector<double>> grads;
  for (size_t k = 0; k < xs.size(); ++k) {
    auto base = kt::values(xs[k]);
    std::vector<double> g(base.size());
    auto in = xs;
    for (size_t i = 0; i < base.size(); ++i) {
      auto v = base;
      v[i] = base[i] + eps;
      in[k] = kt::make(v, xs[k].shape(), xs[k].dtype());
      double up = loss(in);
      v[i] = base[i] - eps;
      in[k] = kt::make(v, xs[k].shape(), xs[k].dtype());
      double down = loss(in);
      g[i] = (up - down) / (2 * eps);
    }
    grads.push_back(std::move(g));
  }
  return grads;
}

/// Checks that two lists of tensors agree (dtype, shape, values within tol).
inline void check_same(const std::vector<Tensor>& got, const std::vector<Tensor>& want, Tol tol,
                       const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    INFO("result " << k);
    CHECK_TENSOR(got[k], kt::values(want[k]), want[k].shape(), want[k].dtype(), tol);
  }
}

/// Requires that f throws a kiln::Error; returns its message.
template <class F>
inline std::string kiln_error_of(F&& f) {
  std::string msg = kt::error_of(std::forward<F>(f));
  INFO("what was thrown: " << msg);
  REQUIRE(msg != "<no exception>");
  REQUIRE(msg.rfind("<not a", 0) != 0);  // a kiln::Error, not another exception
  return msg;
}

/// Options of a compiled function in graph mode (jit false) or with the JIT.
inline FunctionOptions graph_mode(bool jit) {
  FunctionOptions o;
  o.jit = jit;
  o.name = jit ? "grad_jit" : "grad_graph";
  return o;
}

}  // namespace kiln::gradcheck
