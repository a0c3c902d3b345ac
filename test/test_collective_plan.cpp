// Collectives as ops of a compiled function, in a world of one (the distributed tests run
// them across ranks): the graph keeps them through every pass, the compiler packs
// all_reduce_gradients' reductions into buckets, and the plan starts each bucket as soon as
// its gradients exist, before the backward pass is over.
#include <kiln/kiln.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "runtime/allocator.h"
#include "runtime/profiler.h"

using namespace kiln;
namespace dist = kiln::distributed;

namespace {

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool product_step(const std::string& name) {
  return name.rfind("matmul", 0) == 0 || name == "fusion output";
}

}  // namespace

TEST_CASE("collectives: a compiled step's buckets start before its backward pass ends",
          "[distributed][plan]") {
  // Four layers, 256 wide: each kernel 256 KiB of f32 (the last 10 KiB), each bias 1 KiB.
  MLP model({256, 256, 256, 256, 10}, 3, Activation::tanh);
  SGD opt(0.01);
  const std::vector<Variable*> vars = model.variables();
  const bool jit = GENERATE(false, true);
  INFO((jit ? "jit" : "graph"));
  FunctionOptions options;
  options.jit = jit;
  auto step = kiln::function(
      [&](Tensor x, Tensor labels) {
        GradientTape tape;
        Tensor loss = mean(softmax_cross_entropy(model(x), labels));
        opt.apply(dist::all_reduce_gradients(tape.gradient(loss, vars), dist::ReduceOp::mean,
                                             size_t{300} << 10),
                  vars);
        return loss;
      },
      options);
  const Tensor x = random_normal({64, 256}, 1);
  const Tensor labels = random_int({64}, 2, 0, 10);

  // Traced: one reduction per gradient. Optimized: packed greedily in the order the
  // gradients are made, last layer first — its 11 KiB with the third layer's 257 KiB,
  // then the second's, then the first's: 3 buckets (ceil(781 KiB / 300 KiB)).
  CHECK(occurrences(step.ir(x, labels, Stage::traced), "kiln.all_reduce") == vars.size());
  const std::string optimized = step.ir(x, labels, Stage::optimized);
  CHECK(occurrences(optimized, "kiln.all_reduce") == 3);
  CHECK(occurrences(optimized, "bucket_bytes = 307200") == 3);
  if (jit) CHECK(occurrences(step.ir(x, labels, Stage::fused), "kiln.all_reduce") == 3);

  step(x, labels);  // compiled and run once: the profile below is a cached call's
  REQUIRE(runtime::profiler::start());
  step(x, labels);
  runtime::profiler::stop();
  std::vector<std::string> steps;
  for (const runtime::profiler::Event& e : runtime::profiler::events())
    if (std::string(e.category) == "step") steps.push_back(e.name);
  size_t first_start = steps.size(), last_product = 0, starts = 0, dones = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i] == "all_reduce start") {
      first_start = std::min(first_start, i);
      ++starts;
      CHECK(dones < starts);  // each done after its start
    }
    if (steps[i] == "all_reduce done") ++dones;
    if (product_step(steps[i])) last_product = i;
  }
  INFO("steps: " << steps.size());
  CHECK(starts == 3);
  CHECK(dones == 3);
  // The last layer's bucket is on the wire while the first layers' products still run.
  CHECK(first_start < last_product);
}

TEST_CASE("collectives: CSE, DCE and folding keep every collective, in order",
          "[distributed][plan]") {
  // Two identical reductions of one value, one whose result nothing reads, one of a
  // constant, a gather and a broadcast: all kept, in the traced order, and run.
  int runs = 0;
  auto f = kiln::function([&](Tensor x) {
    ++runs;
    Tensor a = dist::all_reduce(x);
    Tensor b = dist::all_reduce(x);
    (void)dist::all_reduce(x * 2.0f, dist::ReduceOp::max);
    Tensor c = dist::all_reduce(full({2}, 3.0f), dist::ReduceOp::min);
    Tensor g = dist::all_gather(x);
    Tensor h = dist::broadcast(x, 0);
    return a + b + c + sum(g) + h;
  });
  const Tensor x = Tensor::from<float>({1, 2}, {2});
  CHECK(f(x).to_vector<float>() == std::vector<float>{1 + 1 + 3 + 3 + 1, 2 + 2 + 3 + 3 + 2});
  for (Stage stage : {Stage::traced, Stage::optimized}) {
    const std::string ir = f.ir(x, stage);
    INFO(ir);
    CHECK(occurrences(ir, "kiln.all_reduce") == 4);
    CHECK(occurrences(ir, "kiln.all_gather") == 1);
    CHECK(occurrences(ir, "kiln.collective_broadcast") == 1);
    const size_t max_at = ir.find("reduce = \"max\""), min_at = ir.find("reduce = \"min\"");
    const size_t gather_at = ir.find("kiln.all_gather");
    const size_t broadcast_at = ir.find("kiln.collective_broadcast");
    CHECK(max_at < min_at);
    CHECK(min_at < gather_at);
    CHECK(gather_at < broadcast_at);
  }
  CHECK(runs == 1);
}

TEST_CASE("collectives: inside control flow, under a tape, and in a saved function",
          "[distributed][plan]") {
  // Inside a cond's branch a collective runs where it stands (no split in the plan).
  auto f = kiln::function([](Tensor x) {
    return cond(
        sum(x) > 0.0f, [&] { return dist::all_reduce(x) * 2.0f; },
        [&] { return dist::all_reduce(-x); });
  });
  CHECK(f(Tensor::from<float>({1, 2}, {2})).to_vector<float>() == std::vector<float>{2, 4});
  CHECK(f(Tensor::from<float>({-1, -2}, {2})).to_vector<float>() == std::vector<float>{1, 2});
  // A tape around a compiled call: its gradient graph replays the collective.
  auto g = kiln::function([](Tensor x) { return dist::all_reduce(x * x, dist::ReduceOp::mean); });
  const Tensor x = Tensor::from<double>({0.5, -3}, {2});
  GradientTape tape;
  tape.watch(x);
  Tensor y = sum(g(x));
  CHECK(tape.gradient(y, {x}).at(0).to_vector<double>() == std::vector<double>{1, -6});
}

TEST_CASE("collectives: compiled calls from several threads share the communication thread",
          "[distributed][concurrency]") {
  // Each call's collectives start on the communication thread and are waited for by the
  // call's own steps; calls from 4 threads at once each get their own results.
  FunctionOptions options;
  options.jit = GENERATE(false, true);
  auto f = kiln::function(
      [](Tensor x) {
        Tensor a = dist::all_reduce(x * 2.0f);
        Tensor b = dist::all_reduce(a + 1.0f, dist::ReduceOp::max);
        return dist::all_gather(b - x);
      },
      options);
  (void)f(Tensor::from<float>({0, 0}, {2}));  // traced and compiled once, before the threads
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const float v = static_cast<float>(t * 100 + i);
        const auto got = f(Tensor::from<float>({v, -v}, {2})).to_vector<float>();
        if (got != std::vector<float>{v + 1, -v + 1}) ++wrong[static_cast<size_t>(t)];
      }
    });
  for (std::thread& t : threads) t.join();
  CHECK(wrong == std::vector<int>(4, 0));
  CHECK(f.trace_count() == 1);
}

TEST_CASE("collectives: a compiled all-reduce of a dying value reduces it in place",
          "[distributed][plan]") {
  // x * 2 dies at the all-reduce: the plan hands it over and the reduction needs no staging
  // copy, so a cached call allocates one 1 MiB tensor, not two. Eagerly the input is the
  // caller's and is copied.
  const bool jit = GENERATE(false, true);
  FunctionOptions options;
  options.jit = jit;
  auto f = kiln::function([](Tensor x) { return dist::all_reduce(x * 2.0f); }, options);
  const Tensor x = random_normal({256, 1024}, 5);
  const size_t bytes = 256 * 1024 * sizeof(float);
  CHECK(f(x).to_vector<float>() == (x * 2.0f).to_vector<float>());
  const size_t before = runtime::host_memory_stats().allocated_bytes;
  const Tensor y = f(x);
  const size_t allocated = runtime::host_memory_stats().allocated_bytes - before;
  INFO("allocated " << allocated << " bytes");
  CHECK(allocated >= bytes);
  CHECK(allocated < bytes + bytes / 2);
  CHECK(y.to_vector<float>() == (x * 2.0f).to_vector<float>());
}
