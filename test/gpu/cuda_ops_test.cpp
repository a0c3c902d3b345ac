// kiln on a real CUDA device: every op of the op list in eager, graph and jit mode equals
// the CPU's eager result; kernels are checked beyond the op cases where the GPU code has
// its own paths (long rows reduced by many threads, columns, broadcasting of every rank
// up to the kernels' limit, every dtype, NaN handling, batched products, TF32 only on
// request); the caching allocator makes no device allocation in steady state. Reports
// itself skipped (exit 77, ctest's SKIP_RETURN_CODE) where no CUDA device is present.
#define CATCH_CONFIG_RUNNER
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "op_cases.h"
#include "runtime/cuda_device.h"
#include "runtime/cuda_driver.h"
#include "runtime/op_list.h"

using namespace kiln;

namespace {

const Device kCuda{Device::cuda, 0};

/// |got - want| <= atol + rtol |want| elementwise, NaNs in the same places.
void check_close(const Tensor& got, const Tensor& want, double rtol, double atol) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  size_t bad = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const bool ok = std::isnan(w[i])
                        ? std::isnan(g[i])
                        : (g[i] == w[i] || std::fabs(g[i] - w[i]) <= atol + rtol * std::fabs(w[i]));
    if (!ok && bad++ < 5) {
      INFO("element " << i << ": got " << g[i] << ", want " << w[i]);
      CHECK(ok);
    }
  }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("CUDA eager, graph and jit equal CPU eager for every op", "[gpu]") {
  auto cpu = test::op_cases();
  auto gpu = test::op_cases(kCuda);
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name);
    REQUIRE(gpu.count(op.name) == 1);
    Tensor want = cpu.at(op.name).fn(cpu.at(op.name).inputs);
    const auto& fn = gpu.at(op.name).fn;
    const auto& inputs = gpu.at(op.name).inputs;
    Tensor eager = fn(inputs);
    CHECK(eager.device() == kCuda);
    // f32 throughout: CUDA's libm and kiln's CPU polynomials differ by a few ulp.
    check_close(eager, want, 1e-5, 1e-6);
    for (bool jit : {false, true}) {
      INFO((jit ? "jit" : "graph"));
      FunctionOptions options;
      options.jit = jit;
      auto f = kiln::function([&](const std::vector<Tensor>& xs) { return fn(xs); }, options);
      check_close(f(inputs), want, 1e-5, 1e-6);
      check_close(f(inputs), want, 1e-5, 1e-6);  // the cached call
    }
  }
}

TEST_CASE("CUDA elementwise: every dtype, broadcasting up to rank 6", "[gpu]") {
  const std::vector<std::pair<Shape, Shape>> shapes = {{{1000003}, {1000003}},
                                                       {{257, 129}, {129}},
                                                       {{3, 1, 5}, {4, 1}},
                                                       {{2, 3, 1, 4, 1, 6}, {3, 1, 4, 5, 6}},
                                                       {{}, {7}}};
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64}) {
    for (const auto& [sa, sb] : shapes) {
      INFO(dtype_name(d) << " " << shape_str(sa) << " " << shape_str(sb));
      Tensor a = cast(random_uniform(sa, 1, -20, 20), d), b = cast(random_uniform(sb, 2, 1, 9), d);
      Tensor ga = a.to(kCuda), gb = b.to(kCuda);
      const double tol = is_floating(d) ? 1e-6 : 0;
      check_close(add(ga, gb), add(a, b), tol, 0);
      check_close(ga * gb - ga, a * b - a, tol, tol);
      check_close(ga / gb, a / b, tol, 0);
      check_close(maximum(ga, gb), maximum(a, b), 0, 0);
      check_close(less(ga, gb), less(a, b), 0, 0);
      check_close(where(ga > gb, ga, gb), where(a > b, a, b), 0, 0);
      check_close(cast(ga, DType::f64), cast(a, DType::f64), 0, 0);
      check_close(abs(-ga), abs(-a), 0, 0);
      if (is_floating(d)) check_close(tanh(ga) + exp(-abs(ga)), tanh(a) + exp(-abs(a)), 1e-5, 1e-6);
      check_close(cast(ga, DType::boolean), cast(a, DType::boolean), 0, 0);
    }
  }
  // NaN propagates through maximum/minimum as on the CPU.
  Tensor n = Tensor::from<float>({NAN, 1, 2, NAN}, {4}),
         m = Tensor::from<float>({0, NAN, 3, 1}, {4});
  check_close(maximum(n.to(kCuda), m.to(kCuda)), maximum(n, m), 0, 0);
  check_close(minimum(n.to(kCuda), m.to(kCuda)), minimum(n, m), 0, 0);
}

TEST_CASE("CUDA reductions and rows: long rows, columns, scattered axes, NaN", "[gpu]") {
  Tensor big = random_normal({3, 1 << 20}, 5);  // rows of a million: many threads per row
  Tensor g = big.to(kCuda);
  check_close(sum(g, {1}), sum(big, {1}), 1e-6, 1e-6);
  check_close(mean(g), mean(big), 1e-6, 1e-9);
  check_close(max(g, {1}), max(big, {1}), 0, 0);
  check_close(argmax(g, 1), argmax(big, 1), 0, 0);
  Tensor cube = random_normal({7, 300, 9}, 6);
  Tensor gc = cube.to(kCuda);
  for (const Axes& axes : {Axes{0}, Axes{1}, Axes{2}, Axes{0, 2}, Axes{0, 1, 2}}) {
    check_close(sum(gc, axes, true), sum(cube, axes, true), 1e-6, 1e-6);
    check_close(min(gc, axes), min(cube, axes), 0, 0);
  }
  check_close(argmax(gc, 1, true), argmax(cube, 1, true), 0, 0);
  Tensor ints = cast(random_uniform({5, 1000}, 7, -100, 100), DType::i64);
  check_close(sum(ints.to(kCuda), {1}), sum(ints, {1}), 0, 0);
  check_close(mean(ints.to(kCuda), {1}), mean(ints, {1}), 0, 0);
  Tensor nan_row = Tensor::from<float>({1, NAN, 3, 2, 5, 4}, {2, 3});
  check_close(max(nan_row.to(kCuda), {1}), max(nan_row, {1}), 0, 0);
  check_close(argmax(nan_row.to(kCuda), 1), argmax(nan_row, 1), 0, 0);
  // W5's shape and an axis that is not the last.
  Tensor x = random_normal({4096, 1024}, 8);
  Tensor gx = x.to(kCuda);
  Tensor gamma = random_uniform({1024}, 9), beta = random_normal({1024}, 10);
  check_close(layer_norm(softmax(gx, 1), gamma.to(kCuda), beta.to(kCuda), 1e-5),
              layer_norm(softmax(x, 1), gamma, beta, 1e-5), 1e-4, 1e-5);
  check_close(log_softmax(gc, 1), log_softmax(cube, 1), 1e-5, 1e-5);
  Tensor inf_row = Tensor::from<float>({-INFINITY, -INFINITY, 1, INFINITY, 0, 2}, {2, 3});
  check_close(softmax(inf_row.to(kCuda), 1), softmax(inf_row, 1), 1e-6, 0);
  Tensor labels = Tensor::from<int32_t>({3, 0, 1023, 5}, {4});
  Tensor logits = slice(x, {0, 0}, {4, 1024});
  check_close(softmax_cross_entropy(logits.to(kCuda), labels.to(kCuda)),
              softmax_cross_entropy(logits, labels), 1e-5, 1e-6);
}

TEST_CASE("CUDA layout ops and gather", "[gpu]") {
  Tensor x = random_normal({4, 5, 6}, 11);
  Tensor g = x.to(kCuda);
  check_close(transpose(g, {2, 0, 1}), transpose(x, {2, 0, 1}), 0, 0);
  check_close(slice(g, {1, 0, 2}, {3, 5, 6}), slice(x, {1, 0, 2}, {3, 5, 6}), 0, 0);
  check_close(concat({g, g * 2.0f}, 1), concat({x, x * 2.0f}, 1), 0, 0);
  check_close(broadcast_to(slice(g, {0, 0, 0}, {1, 5, 6}), {3, 5, 6}),
              broadcast_to(slice(x, {0, 0, 0}, {1, 5, 6}), {3, 5, 6}), 0, 0);
  Tensor idx = Tensor::from<int32_t>({5, 0, 2, 2}, {2, 2});
  check_close(gather(g, idx.to(kCuda), 2), gather(x, idx, 2), 0, 0);
  check_close(one_hot(idx.to(kCuda), 6, DType::f64), one_hot(idx, 6, DType::f64), 0, 0);
}

TEST_CASE("CUDA matmul: cuBLAS in FP32 unless TF32 is allowed", "[gpu]") {
  for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{{{512, 384}, {384, 256}},
                                                                   {{3, 64, 32}, {3, 32, 48}},
                                                                   {{2, 1, 16, 8}, {3, 8, 4}},
                                                                   {{16, 8}, {5, 8, 4}}}) {
    INFO(shape_str(sa) << " @ " << shape_str(sb));
    Tensor a = random_normal(sa, 12), b = random_normal(sb, 13);
    check_close(matmul(a.to(kCuda), b.to(kCuda)), matmul(a, b), 1e-4, 1e-4);
    Tensor ad = a.astype(DType::f64), bd = b.astype(DType::f64);
    check_close(matmul(ad.to(kCuda), bd.to(kCuda)), matmul(ad, bd), 1e-12, 1e-12);
  }
  Tensor ia = cast(random_uniform({7, 5}, 14, -9, 9), DType::i64),
         ib = cast(random_uniform({5, 3}, 15, -9, 9), DType::i64);
  check_close(matmul(ia.to(kCuda), ib.to(kCuda)), matmul(ia, ib), 0, 0);
  // FP32 products are FP32 (error ~1e-6 relative); TF32 (opt-in) is allowed ~1e-3.
  Tensor a = random_normal({256, 1024}, 16), b = random_normal({1024, 256}, 17);
  Tensor want = matmul(a.astype(DType::f64), b.astype(DType::f64));
  REQUIRE_FALSE(allow_tf32());
  check_close(matmul(a.to(kCuda), b.to(kCuda)).astype(DType::f64), want, 1e-4, 1e-4);
  set_allow_tf32(true);
  Tensor tf32 = matmul(a.to(kCuda), b.to(kCuda)).astype(DType::f64);
  set_allow_tf32(false);
  check_close(tf32, want, 0, 0.5);  // 10-bit mantissas over K = 1024: |error| well under 0.5
}

TEST_CASE("CUDA steady state: every block from the cache", "[gpu]") {
  Tensor x = random_normal({256, 1024}, 18).to(kCuda);
  auto step = [&] { return sum(exp(x) * 2.0f + 1.0f, {1}); };
  for (int i = 0; i < 3; ++i) step();
  auto& device = runtime::CudaDevice::get(kCuda);
  const size_t before = device.allocator().stats().device_allocations;
  for (int i = 0; i < 100; ++i) step();
  synchronize(kCuda);
  CHECK(device.allocator().stats().device_allocations == before);
}

int main(int argc, char** argv) {
  const runtime::CudaStatus& status = runtime::cuda_status();
  if (!status.available) {
    std::printf("skipped: no CUDA device (%s)\n", status.reason.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
