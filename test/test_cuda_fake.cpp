// kiln's CUDA runtime against a fake driver (test/fake_cuda: host memory for device
// memory, cuBLAS computed on the host, kernel launches checked but not run). Runs in a
// process of its own with $KILN_CUDA_DRIVER and $KILN_CUBLAS naming the fake (ctest
// cuda.fake_driver), so every machine exercises what surrounds the kernels: allocation and
// the caching allocator, copies and to(Device), op dispatch to CUDA kernels that must exist
// in the embedded images, the errors refused before launching, compiled functions placed on
// their arguments' device, and PTX launches whose parameters must be the memref
// descriptors the kernels declare. What the kernels compute is checked on a real GPU
// (test/gpu/cuda_ops_test.cpp).
#include <dlfcn.h>
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "op_cases.h"
#include "reference.h"
#include "runtime/cuda_driver.h"
#include "runtime/op_list.h"
#include "runtime/tensor_impl.h"
#include "test_files.h"

using namespace kiln;

namespace {

const Device kCuda{Device::cuda, 0};

/// The fake driver's own view (symbols it exports besides the driver's).
struct FakeDriver {
  struct Stats {
    size_t allocations, live_allocations, launches, ptx_launches, gemms, graph_launches, errors,
        lt_matmuls;
  };
  Stats (*stats)() = nullptr;
  const char* (*take_error)() = nullptr;
  size_t (*launch_count)(const char*) = nullptr;

  FakeDriver() {
    const char* path = std::getenv("KILN_CUDA_DRIVER");
    REQUIRE(path != nullptr);
    void* lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    REQUIRE(lib != nullptr);  // kiln loaded it already
    stats = reinterpret_cast<Stats (*)()>(dlsym(lib, "kiln_fake_cuda_stats"));
    take_error = reinterpret_cast<const char* (*)()>(dlsym(lib, "kiln_fake_cuda_take_error"));
    launch_count =
        reinterpret_cast<size_t (*)(const char*)>(dlsym(lib, "kiln_fake_cuda_launch_count"));
    REQUIRE(stats != nullptr);
    REQUIRE(take_error != nullptr);
    REQUIRE(launch_count != nullptr);
  }
};

FakeDriver& fake() {
  REQUIRE(runtime::cuda_status().available);  // the fake is loaded and has one device
  static FakeDriver f;
  return f;
}

/// No launch so far failed the fake's checks.
void check_launches() {
  std::string error = fake().take_error();
  INFO(error);
  CHECK(error.empty());
}

}  // namespace

TEST_CASE("fake CUDA: tensors move to the device and back unchanged", "[.fake-cuda]") {
  fake();
  CHECK(runtime::missing_cuda_entry_points(std::getenv("KILN_CUDA_DRIVER")).empty());
  Tensor f = random_normal({3, 5}, 11);
  Tensor i = cast(random_uniform({7}, 12, -50, 50), DType::i64);
  Tensor b = Tensor::from<bool>({true, false, true}, {3});
  for (const Tensor& x : {f, f.astype(DType::f64), i, i.astype(DType::i32), b}) {
    Tensor g = x.to(kCuda);
    CHECK(g.device() == kCuda);
    CHECK(g.dtype() == x.dtype());
    CHECK(g.shape() == x.shape());
    CHECK(g.to_vector<double>() == x.to_vector<double>());
    Tensor back = g.to(Device{});
    CHECK(back.device() == Device{});
    CHECK(back.to_vector<double>() == x.to_vector<double>());
    CHECK(g.str().find("device=cuda:0") != std::string::npos);
  }
  CHECK(Tensor::scalar<float>(2.5f, kCuda).item<float>() == 2.5f);
  CHECK(Tensor::from<int32_t>({4, 5}, {2}, kCuda).to_vector<int32_t>() ==
        std::vector<int32_t>{4, 5});
  // Host code cannot read device memory; ops do not copy between devices.
  CHECK_THROWS_WITH(f.to(kCuda).data(), Catch::Contains("is on cuda:0"));
  CHECK_THROWS_WITH(f + f.to(kCuda), Catch::Contains("different devices"));
  CHECK_THROWS_WITH(f.to(Device{Device::cuda, 1}),
                    Catch::Contains("this machine has 1 CUDA device"));
  CHECK(zeros({4}, DType::f32, kCuda).device() == kCuda);
}

TEST_CASE("fake CUDA: every op runs on CUDA tensors through kernels that exist", "[.fake-cuda]") {
  auto cpu = test::op_cases();
  auto gpu = test::op_cases(kCuda);
  const size_t launches = fake().stats().launches;
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name);
    REQUIRE(gpu.count(op.name) == 1);
    Tensor want = cpu.at(op.name).fn(cpu.at(op.name).inputs);
    Tensor got = gpu.at(op.name).fn(gpu.at(op.name).inputs);
    CHECK(got.device() == kCuda);
    CHECK(got.dtype() == want.dtype());
    CHECK(got.shape() == want.shape());
    check_launches();
  }
  CHECK(fake().stats().launches > launches + 40);
  // Kernels of each family ran: elementwise, casts, layout, reductions, rows, fills.
  for (const char* k :
       {"kiln_binary_f32", "kiln_unary_f32", "kiln_where_f32", "kiln_cast_f32_i32", "kiln_copy_4",
        "kiln_gather_4", "kiln_one_hot_f32", "kiln_reduce_rows_f32", "kiln_reduce_columns_f32",
        "kiln_arg_extreme_f32", "kiln_cumsum_f32", "kiln_softmax_rows_f32", "kiln_softmax_columns_f32",
        "kiln_layer_norm_f32", "kiln_softmax_cross_entropy_f32", "kiln_fill_f32"}) {
    INFO(k);
    CHECK(fake().launch_count(k) > 0);
  }
}

TEST_CASE("fake CUDA: products through cuBLAS equal the CPU's", "[.fake-cuda]") {
  fake();
  struct Case {
    Shape a, b;
    DType dtype;
  };
  // Plain, batched, and a broadcast left operand (batch stride 0); f32 and f64.
  for (const Case& c : {Case{{5, 7}, {7, 3}, DType::f32}, Case{{3, 4, 5}, {3, 5, 2}, DType::f64},
                        Case{{4, 5}, {3, 5, 2}, DType::f32}, Case{{2, 3, 4}, {4, 6}, DType::f64}}) {
    Tensor a = random_normal(c.a, 21, 0, 1, c.dtype), b = random_normal(c.b, 22, 0, 1, c.dtype);
    const size_t gemms = fake().stats().gemms;
    Tensor want = matmul(a, b);
    Tensor got = matmul(a.to(kCuda), b.to(kCuda));
    CHECK(fake().stats().gemms == gemms + 1);
    REQUIRE(got.shape() == want.shape());
    auto g = got.to_vector<double>(), w = want.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(w[i]).epsilon(1e-5).margin(1e-6));
  }
  // Integers: kiln's own kernel (cuBLAS has no integer GEMM).
  Tensor ia = cast(random_uniform({2, 3}, 1, -5, 5), DType::i32);
  const size_t int_products = fake().launch_count("kiln_matmul_i32");
  CHECK(matmul(ia.to(kCuda), transpose(ia).to(kCuda)).shape() == Shape{2, 2});
  CHECK(fake().launch_count("kiln_matmul_i32") == int_products + 1);
}

TEST_CASE("fake CUDA: what the CPU refuses is refused on CUDA with the same error",
          "[.fake-cuda]") {
  fake();
  Tensor a = Tensor::from<int32_t>({4, 6}, {2}, kCuda);
  Tensor zero = Tensor::from<int32_t>({2, 0}, {2}, kCuda);
  CHECK_THROWS_WITH(a / zero, Catch::Contains("integer division by zero"));
  CHECK_THROWS_WITH(pow(a, Tensor::from<int32_t>({1, -1}, {2}, kCuda)),
                    Catch::Contains("negative"));
  Tensor x = random_normal({3, 4}, 1).to(kCuda);
  CHECK_THROWS_WITH(gather(x, Tensor::from<int64_t>({0, 4}, {2}, kCuda), 1),
                    Catch::Contains("out of range"));
  CHECK_THROWS_WITH(softmax_cross_entropy(x, Tensor::from<int32_t>({0, 1, 9}, {3}, kCuda)),
                    Catch::Contains("label 9"));
  check_launches();
}

TEST_CASE("fake CUDA: steady state allocates no device memory", "[.fake-cuda]") {
  Tensor x = random_normal({64, 256}, 3).to(kCuda);
  auto step = [&] { return sum(exp(x) * 2.0f + 1.0f, {1}); };
  for (int i = 0; i < 3; ++i) step();
  const size_t allocations = fake().stats().allocations;
  for (int i = 0; i < 50; ++i) step();
  CHECK(fake().stats().allocations == allocations);  // every block came from the cache
}

TEST_CASE("fake CUDA: compiled functions run on their arguments' device", "[.fake-cuda]") {
  auto gpu = test::op_cases(kCuda);
  auto cpu = test::op_cases();
  const bool jit = GENERATE(false, true);
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name << (jit ? " (jit)" : " (graph)"));
    FunctionOptions options;
    options.jit = jit;
    const auto& fn = gpu.at(op.name).fn;
    auto f = kiln::function([&](const std::vector<Tensor>& xs) { return fn(xs); }, options);
    Tensor got = f(gpu.at(op.name).inputs);
    Tensor want = cpu.at(op.name).fn(cpu.at(op.name).inputs);
    CHECK(got.device() == kCuda);
    CHECK(got.dtype() == want.dtype());
    CHECK(got.shape() == want.shape());
    f(gpu.at(op.name).inputs);  // a cached call
    CHECK(f.trace_count() == 1);
    check_launches();
  }
  if (jit) {
    // A fused chain is one PTX kernel, launched with descriptors the fake checked.
    FunctionOptions options;
    options.jit = true;
    auto f = kiln::function([](Tensor x, Tensor w) { return tanh(x * w + 1.0f) * 0.5f; }, options);
    Tensor x = random_normal({8, 33}, 1).to(kCuda), w = random_normal({33}, 2).to(kCuda);
    const size_t before = fake().stats().ptx_launches;
    Tensor y = f(x, w);
    CHECK(fake().stats().ptx_launches == before + 1);
    CHECK(y.device() == kCuda);
    CHECK(f.ir(x, w, Stage::ptx).find(".entry") != std::string::npos);
    check_launches();
  }
}

TEST_CASE("fake CUDA: a fusion with a dynamic dimension runs its ops unfused on CUDA",
          "[.fake-cuda]") {
  // The CPU JIT fuses it (test_dynamic_fusion.cpp); the CUDA code generator has no
  // dynamic launch geometry yet, so the plan runs the fusion's ops one by one there.
  FunctionOptions options;
  options.input_signature = std::vector<TensorSpec>{{{-1, 33}}, {{33}}};
  auto f = kiln::function([](Tensor x, Tensor w) { return tanh(x * w + 1.0f) * 0.5f; }, options);
  const Tensor w = random_normal({33}, 2).to(kCuda);
  CHECK(f.ir(random_normal({3, 33}, 1).to(kCuda), w, Stage::fused).find("kiln.fusion") !=
        std::string::npos);
  CHECK(f.ir(random_normal({3, 33}, 1).to(kCuda), w, Stage::ptx).find(".entry") ==
        std::string::npos);
  for (int64_t n : {1, 8, 0}) {
    Tensor x = random_normal({n, 33}, 1).to(kCuda);
    const size_t before = fake().stats().ptx_launches;
    Tensor y = f(x, w);
    CHECK(fake().stats().ptx_launches == before);  // elementwise kernels, not a fused one
    CHECK(y.device() == kCuda);
    CHECK(y.shape() == Shape{n, 33});
    check_launches();
  }
  CHECK(f.trace_count() == 1);
}

TEST_CASE("fake CUDA: a function's device is part of its signature", "[.fake-cuda]") {
  fake();
  Tensor x = random_normal({64}, 6);
  auto f = kiln::function([](Tensor a) { return a * 2.0f + 1.0f; });
  Tensor on_cpu = f(x);
  Tensor on_gpu = f(x.to(kCuda));
  CHECK(on_cpu.device() == Device{});
  CHECK(on_gpu.device() == kCuda);
  CHECK(f.trace_count() == 2);
  CHECK(f.stats().last_miss_reason == "device cpu -> cuda:0");
  CHECK_THROWS_WITH(kiln::function([](Tensor a, Tensor b) { return a + b; })(x, x.to(kCuda)),
                    Catch::Contains("a call runs on one device"));
  // Traced ops check devices as eager ones do: a captured tensor joins a CUDA call only
  // from that device (more than 16 elements: a capture, not a constant).
  Tensor big = random_normal({64}, 5);
  auto uses_cpu_tensor = kiln::function([&](Tensor a) { return a * big; });
  CHECK_THROWS_WITH(uses_cpu_tensor(x.to(kCuda)), Catch::Contains("different devices"));
  Tensor big_gpu = big.to(kCuda);
  auto uses_gpu_tensor = kiln::function([&](Tensor a) { return a * big_gpu; });
  CHECK(uses_gpu_tensor(x.to(kCuda)).device() == kCuda);
  check_launches();
}

TEST_CASE("fake CUDA: a launch-bound cached call replays a CUDA graph", "[.fake-cuda]") {
  fake();
  FunctionOptions options;
  options.jit = false;  // graph mode: one launch per op, the case graphs are for
  auto f = kiln::function(
      [](Tensor x) {
        for (int i = 0; i < 12; ++i) x = x * 1.01f + 0.1f;
        return x;
      },
      options);
  Tensor x = random_normal({16, 16}, 1).to(kCuda);
  const size_t replays = fake().stats().graph_launches;
  Tensor first = f(x);  // a plain run that counts the plan's launches
  CHECK(fake().stats().graph_launches == replays);
  Tensor second = f(x);  // captured (no allocation, no host copy inside), then replayed
  CHECK(fake().stats().graph_launches == replays + 1);
  const size_t launches = fake().stats().launches;
  Tensor third = f(x);  // replayed: copies in and out, no kernel launched one by one
  CHECK(fake().stats().graph_launches == replays + 2);
  CHECK(fake().stats().launches == launches);
  // Each call's result is the caller's own buffer.
  CHECK(third.device() == kCuda);
  CHECK(third.impl()->data() != second.impl()->data());
  // A function that reads a value on the host (gather checks its indices) is never captured.
  auto g = kiln::function([](Tensor v, Tensor i) { return gather(v * 2.0f + 1.0f, i, 0) * 3.0f; },
                          options);
  Tensor idx = Tensor::from<int64_t>({1, 0}, {2}, kCuda);
  for (int k = 0; k < 4; ++k) g(x, idx);
  CHECK(fake().stats().graph_launches == replays + 2);
  check_launches();
}

TEST_CASE("fake CUDA: gradients and optimizer slots stay on the variables' device",
          "[.fake-cuda]") {
  fake();
  Variable w(random_normal({4, 3}, 1).to(kCuda), "w"), b(zeros({3}, DType::f32, kCuda), "b");
  Adam opt(0.01);
  Tensor x = random_normal({8, 4}, 2).to(kCuda);
  Tensor labels = Tensor::from<int32_t>({0, 1, 2, 0, 1, 2, 0, 1}, {8}, kCuda);
  auto step = [&](Tensor xb, Tensor yb) {
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(relu(matmul(xb, w) + b) - 0.5f, yb));
    auto grads = tape.gradient(loss, {&w, &b});
    opt.apply(grads, {&w, &b});
    return loss;
  };
  Tensor eager = step(x, labels);
  CHECK(eager.device() == kCuda);
  CHECK(w.device() == kCuda);
  for (Variable* slot : opt.variables()) CHECK(slot->device() == kCuda);
  auto compiled = kiln::function(step);
  CHECK(compiled(x, labels).device() == kCuda);
  CHECK(compiled(x, labels).device() == kCuda);
  CHECK(w.device() == kCuda);
  check_launches();
}

TEST_CASE("fake CUDA: an output fusion with a bias (+ ReLU) epilogue is one cuBLASLt call",
          "[.fake-cuda]") {
  fake();
  Tensor x = random_normal({6, 5}, 1), w = random_normal({5, 4}, 2), b = random_normal({4}, 3);
  for (bool relu : {false, true}) {
    INFO((relu ? "relu(x @ w + b)" : "b + x @ w"));
    auto body = [relu](Tensor xv, Tensor wv, Tensor bv) {
      return relu ? kiln::relu(matmul(xv, wv) + bv) : bv + matmul(xv, wv);
    };
    auto f = kiln::function(body);  // jit: the product and its epilogue form an output fusion
    const size_t before = fake().stats().lt_matmuls;
    Tensor got = f(x.to(kCuda), w.to(kCuda), b.to(kCuda));
    CHECK(fake().stats().lt_matmuls == before + 1);
    // The fake computes what cuBLASLt defines: the row-major operands, their swap and the
    // bias along the output's columns must come out as kiln's result.
    Tensor want = body(x, w, b);
    auto g = got.to_vector<double>(), e = want.to_vector<double>();
    REQUIRE(g.size() == e.size());
    for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(e[i]).epsilon(1e-5).margin(1e-6));
  }
  // Another epilogue stays a product followed by the fused kernel.
  auto other = kiln::function([](Tensor xv, Tensor wv) { return tanh(matmul(xv, wv)) * 2.0f; });
  const size_t before = fake().stats().lt_matmuls;
  CHECK(other(x.to(kCuda), w.to(kCuda)).shape() == Shape{6, 4});
  CHECK(fake().stats().lt_matmuls == before);
  check_launches();
}

TEST_CASE("fake CUDA: a loaded function runs on its arguments' device", "[.fake-cuda]") {
  fake();
  test::TempDir dir;
  Variable scale(random_normal({33}, 4), "scale");
  const Tensor bias = random_normal({33}, 3);  // more than 16 elements: a capture
  auto f =
      kiln::function([&](Tensor x, Tensor w) { return tanh(x * w + bias) * scale.value() + 0.5f; });
  const Tensor x = random_normal({8, 33}, 1), w = random_normal({33}, 2);
  const std::string path = dir.file("chain.kiln");
  f.save(path, x, w);
  const Tensor want = f(x, w);
  const bool jit = GENERATE(false, true);
  INFO((jit ? "jit" : "graph"));
  LoadedFunction g = load(path, {.jit = jit});
  CHECK(test::bits(g({x, w})[0]) == test::bits(want));  // the CPU call, as saved
  // Its variable lives on the CPU until moved: a CUDA call names it rather than mixing.
  CHECK_THROWS_WITH(g({x.to(kCuda), w.to(kCuda)}),
                    Catch::Contains("variable 'scale' is on cpu and the call runs on cuda:0"));
  Variable* loaded_scale = g.variables().at(0);
  loaded_scale->assign(loaded_scale->value().to(kCuda));
  for (int call = 0; call < 2; ++call) {  // compiled for CUDA once, then cached
    const size_t ptx_before = fake().stats().ptx_launches;
    std::vector<Tensor> got = g({x.to(kCuda), w.to(kCuda)});
    REQUIRE(got.size() == 1);
    CHECK(got[0].device() == kCuda);
    CHECK(got[0].dtype() == DType::f32);
    CHECK(got[0].shape() == Shape{8, 33});
    // jit: the chain is one fused PTX kernel; graph mode: library kernels, no PTX.
    CHECK(fake().stats().ptx_launches == ptx_before + (jit ? 1 : 0));
    check_launches();
  }
  CHECK(loaded_scale->device() == kCuda);
  // A traced function whose variable moved back to the host after its trace: refused too.
  Variable moved(random_normal({33}, 5).to(kCuda), "moved");
  FunctionOptions options;
  options.jit = jit;
  auto h = kiln::function([&](Tensor a) { return a * moved.value(); }, options);
  CHECK(h(x.to(kCuda)).device() == kCuda);
  moved.assign(moved.value().to(Device{}));
  CHECK_THROWS_WITH(h(x.to(kCuda)), Catch::Contains("'moved'") && Catch::Contains("cpu"));
  // Refused as on the CPU: arguments on two devices, or outside the signature.
  CHECK_THROWS_WITH(g({x.to(kCuda), w}), Catch::Contains("a call runs on one device"));
  CHECK_THROWS_WITH(
      g({random_normal({8, 32}, 1).to(kCuda), w.to(kCuda)}),
      Catch::Contains("fit none of the saved signatures") || Catch::Contains("does not match"));
  check_launches();
}
