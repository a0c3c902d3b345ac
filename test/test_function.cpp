// kiln::function: tracing, the signature cache, variables, control flow and graph mode.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

using namespace kiln;

namespace {

void check_close(const Tensor& got, const Tensor& want, double tol = 1e-6) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i)
    REQUIRE(std::abs(g[i] - w[i]) <= tol * (1 + std::abs(w[i])));
}

/// Captures std::cout while alive.
struct CoutCapture {
  std::ostringstream buffer;
  std::streambuf* old = std::cout.rdbuf(buffer.rdbuf());
  ~CoutCapture() { std::cout.rdbuf(old); }
};

}  // namespace

TEST_CASE("a cached signature runs the plan, not the lambda", "[function]") {
  int runs = 0;
  auto f = kiln::function([&](Tensor x, Tensor y) {
    ++runs;
    return tanh(x * 1.01f + y);
  });
  auto x = random_uniform({4, 5}, 1), y = random_uniform({5}, 2);
  check_close(f(x, y), tanh(x * 1.01f + y));
  REQUIRE(runs == 1);
  for (int i = 0; i < 100; ++i) f(x, y);
  CHECK(runs == 1);
  CHECK(f.trace_count() == 1);
  CHECK(f.stats().hits == 100);
  CHECK(f.stats().misses == 1);
}

TEST_CASE("shapes, dtypes and scalar values select concrete functions", "[function]") {
  int runs = 0;
  auto f = kiln::function([&](Tensor x, float scale) {
    ++runs;
    return x * scale;
  });
  auto a = ones({2, 3}), b = ones({3, 2});
  f(a, 2.0f), f(b, 2.0f), f(a, 2.0f), f(b, 2.0f), f(a, 2.0f);
  CHECK(f.trace_count() == 2);
  CHECK(runs == 2);
  f(ones({2, 3}, DType::f64), 2.0f);
  CHECK(f.trace_count() == 3);
  CHECK(f.stats().last_miss_reason == "argument 0: dtype f32 -> f64");
  f(a, 2.0f);  // a hit: now the most recently used
  check_close(f(a, 3.0f), a * 3.0f);
  CHECK(f.trace_count() == 4);
  CHECK(f.stats().last_miss_reason == "float argument 2 -> 3");
  // The nearest cached function is b's with 2.0 (not the last used, a's with 3.0).
  f(b, 3.0f);
  CHECK(f.stats().last_miss_reason == "float argument 2 -> 3");
  f(ones({5}), 0.5f);
  CHECK(f.stats().last_miss_reason == "argument 0: shape (3, 2) -> (5,)");
}

TEST_CASE("miss reasons name the real cause", "[function]") {
  SECTION("a changed scalar, with a function of another dtype used in between") {
    auto f =
        kiln::function([](Tensor x, double scale, int64_t n) { return x * scale + double(n); });
    auto x32 = ones({2}), x64 = ones({2}, DType::f64);
    f(x32, 0.5, 3), f(x64, 0.5, 3);
    f(x32, 0.25, 3);
    CHECK(f.stats().last_miss_reason == "float argument 0.5 -> 0.25");
    f(x32, 0.25, 4);
    CHECK(f.stats().last_miss_reason == "integer argument 3 -> 4");
  }
  SECTION("another variable, by name") {
    Variable w(ones({2}), "w"), w2(ones({2}), "w2"), other_w(ones({2}), "w");
    auto f = kiln::function([](Tensor x, Variable& v) { return x * v.value(); });
    f(ones({2}), w);
    f(ones({2}), other_w);
    CHECK(f.stats().last_miss_reason == "variable 'w' -> another variable 'w'");
    f(ones({2}), w2);
    CHECK(f.stats().last_miss_reason == "variable 'w' -> 'w2'");
  }
  SECTION("a string with a ';' in it") {
    auto f = kiln::function([](Tensor x, std::string mode) { return mode == "a;b" ? x : -x; });
    f(ones({2}), std::string("a;b"));
    f(ones({2}), std::string("a;c"));
    CHECK(f.stats().last_miss_reason == "string argument \"a;b\" -> \"a;c\"");
  }
  SECTION("kept per signature: 8 threads missing at once each keep their own") {
    auto f = kiln::function([](Tensor x) { return x * 2.0f; });
    f(ones({1}));
    CHECK(f.miss_reason(ones({1})) == "first call");
    std::vector<std::thread> threads;
    for (int64_t k = 2; k <= 9; ++k) threads.emplace_back([&f, k] { f(ones({k})); });
    for (auto& t : threads) t.join();
    for (int64_t k = 2; k <= 9; ++k) {
      // Each signature's reason names its own shape, whichever call missed last.
      INFO("shape (" << k << ",): " << f.miss_reason(ones({k})));
      CHECK_THAT(f.miss_reason(ones({k})), Catch::StartsWith("argument 0: shape (") &&
                                               Catch::EndsWith("-> (" + std::to_string(k) + ",)"));
    }
    CHECK(f.miss_reason(ones({10})).empty());  // nothing cached for it
  }
  SECTION("an evicted signature, with the bound that dropped it") {
    FunctionOptions o;
    o.cache_capacity = 2;
    auto f = kiln::function([](Tensor x) { return x + 1.0f; }, o);
    f(ones({1})), f(ones({2})), f(ones({3}));  // ({1}) is dropped
    f(ones({1}));
    CHECK(f.stats().last_miss_reason == "evicted from the cache (cache_capacity=2)");
    FunctionOptions small;
    small.cache_max_bytes = 1;  // every entry is over: only the most recently used stays
    auto g = kiln::function([](Tensor x) { return x + 1.0f; }, small);
    g(ones({1})), g(ones({2})), g(ones({1}));
    CHECK(g.stats().last_miss_reason == "evicted from the cache (cache_max_bytes=1)");
  }
}

TEST_CASE("input_signature with a dynamic dimension", "[function]") {
  FunctionOptions options;
  options.name = "dyn";
  options.input_signature = std::vector<TensorSpec>{{{-1, 4}, DType::f32}};
  auto w = random_uniform({4, 3}, 7);
  auto f = kiln::function(
      [&](Tensor x) {
        return std::vector<Tensor>{sum(x, 0), matmul(x, w), mean(x * 2.0f, 1),
                                   matmul(transpose(x), x)};  // contracts the dynamic dim
      },
      options);
  for (int64_t rows : {1, 7, 1000}) {
    auto x = random_uniform({rows, 4}, static_cast<uint64_t>(rows));
    auto out = f(x);
    check_close(out[0], sum(x, 0), 1e-5);
    check_close(out[1], matmul(x, w), 1e-5);
    check_close(out[2], mean(x * 2.0f, 1), 1e-5);
    check_close(out[3], matmul(transpose(x), x), 1e-5);
  }
  CHECK(f.trace_count() == 1);
  CHECK(f.ir(ones({2, 4}), Stage::traced).find("tensor<?x4xf32>") != std::string::npos);

  const size_t traces = f.trace_count(), size = f.cache_size();
  REQUIRE_THROWS_WITH(f(ones({3, 5})), Catch::Contains("argument 0") &&
                                           Catch::Contains("f32 (?, 4)") &&
                                           Catch::Contains("f32 (3, 5)"));
  REQUIRE_THROWS_WITH(f(ones({4})), Catch::Contains("f32 (4,)"));
  REQUIRE_THROWS_WITH(f(ones({2, 4}, DType::f64)), Catch::Contains("f64 (2, 4)"));
  CHECK(f.trace_count() == traces);
  CHECK(f.cache_size() == size);
}

TEST_CASE("reduce_retracing generalizes a changing dimension", "[function]") {
  FunctionOptions options;
  options.reduce_retracing = true;
  auto f = kiln::function([](Tensor x) { return sum(x * x, 1); }, options);
  for (int64_t n : {2, 3, 4, 5, 6}) {
    auto x = random_uniform({n, 3}, static_cast<uint64_t>(n));
    check_close(f(x), sum(x * x, 1), 1e-6);
  }
  CHECK(f.trace_count() == 2);  // (2, 3), then (?, 3) for every later size
}

TEST_CASE("cache_capacity evicts the least recently used", "[function]") {
  FunctionOptions options;
  options.cache_capacity = 3;
  auto f = kiln::function([](Tensor x) { return x + 1.0f; }, options);
  for (int64_t n = 1; n <= 4; ++n) f(ones({n}));  // (1) is evicted
  CHECK(f.cache_size() == 3);
  CHECK(f.trace_count() == 4);
  f(ones({4}));  // most recent: a hit
  CHECK(f.trace_count() == 4);
  f(ones({1}));  // evicted: traced again, evicting (2)
  CHECK(f.trace_count() == 5);
  CHECK(f.cache_size() == 3);
  f(ones({3}));
  CHECK(f.trace_count() == 5);
  f(ones({2}));
  CHECK(f.trace_count() == 6);
}

/// This process's resident memory in bytes (/proc/self/statm).
size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

TEST_CASE("cache_max_bytes bounds what the cache holds; memory stays flat", "[function]") {
  // The compile cache off: every signature is compiled here (the code is what is held).
  const char* old = std::getenv("KILN_CACHE_DIR");
  const std::string saved = old ? old : "";
  ::setenv("KILN_CACHE_DIR", "off", 1);
  auto body = [](Tensor x) { return tanh(x * 1.5f + 0.5f) * x; };
  size_t one = 0;
  {
    auto probe = kiln::function(body);
    probe(ones({1, 8}));
    one = probe.stats().cache_bytes;
  }
  REQUIRE(one > 1000);  // the IR and the kernel's code at least
  FunctionOptions options;
  options.cache_max_bytes = 3 * one + one / 2;  // room for about 3
  auto f = kiln::function(body, options);
  auto cycle = [&](int64_t from, int64_t to) {
    for (int64_t n = from; n <= to; ++n) {
      Tensor x = random_uniform({n, 8}, static_cast<uint64_t>(n));
      check_close(f(x), body(x), 1e-6);
      CHECK(f.stats().cache_bytes <= options.cache_max_bytes);
    }
  };
  cycle(1, 12);  // warm up: allocator pools, MLIR's uniqued types of the first shapes
  const size_t before = resident_bytes();
  cycle(13, 48);  // 10x more signatures than fit, after the first cycle
  const size_t after = resident_bytes();
  const FunctionStats s = f.stats();
  CHECK(s.evictions >= 44);
  CHECK(f.cache_size() <= 4);
  CHECK(s.cache_bytes <= options.cache_max_bytes);
  INFO("resident before " << before << ", after " << after);
  CHECK(after <= before + (8u << 20));  // flat: no growth with the signatures compiled
  // The most recently used is a hit; an early one was evicted and traces again.
  const size_t traces = f.trace_count();
  f(random_uniform({48, 8}, 48));
  CHECK(f.trace_count() == traces);
  f(random_uniform({1, 8}, 1));
  CHECK(f.trace_count() == traces + 1);
  if (old)
    ::setenv("KILN_CACHE_DIR", saved.c_str(), 1);
  else
    ::unsetenv("KILN_CACHE_DIR");
}

TEST_CASE("concurrent first calls trace once", "[function][concurrency]") {
  std::atomic<int> runs{0};
  auto f = kiln::function([&](Tensor x) {
    ++runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // widen the race window
    return exp(x) * 2.0f;
  });
  auto x = random_uniform({8, 8}, 3);
  // The JIT's exp is a polynomial: equal to eager within a few ulp, not bit for bit.
  const auto want = (exp(x) * 2.0f).to_vector<float>();
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      auto got = f(x).to_vector<float>();
      bool close = got.size() == want.size();
      for (size_t k = 0; close && k < got.size(); ++k)
        close = std::fabs(got[k] - want[k]) <= 1e-6f * std::fabs(want[k]);
      if (close) ++good;
    });
  for (auto& t : threads) t.join();
  CHECK(runs == 1);
  CHECK(f.trace_count() == 1);
  CHECK(good == 16);
}

TEST_CASE("variables: reads are inputs, assignments are ordered effects", "[function][variable]") {
  Variable v(zeros({}), "v");
  auto step = kiln::function([&]() {
    print(v, "a");
    v.assign_add(ones({}));
    print(v, "b");
    std::cout << "tracing\n";
    return v.value();
  });
  std::string out;
  {
    CoutCapture capture;
    for (int i = 0; i < 3; ++i) step();
    out = capture.buffer.str();
  }
  CHECK(v.value().item<float>() == 3.0f);
  CHECK(out ==
        "tracing\n"
        "a: kiln.Tensor(0, shape=(), dtype=f32)\nb: kiln.Tensor(1, shape=(), dtype=f32)\n"
        "a: kiln.Tensor(1, shape=(), dtype=f32)\nb: kiln.Tensor(2, shape=(), dtype=f32)\n"
        "a: kiln.Tensor(2, shape=(), dtype=f32)\nb: kiln.Tensor(3, shape=(), dtype=f32)\n");

  v.assign(full({}, 10.0f));  // eager write between calls: seen without a retrace
  {
    CoutCapture capture;
    CHECK(step().item<float>() == 11.0f);
  }
  CHECK(step.trace_count() == 1);
}

TEST_CASE("creating a variable on a later trace throws", "[function][variable]") {
  std::vector<std::unique_ptr<Variable>> made;
  auto f = kiln::function([&](Tensor x) {
    made.push_back(std::make_unique<Variable>(zeros({}), "slot"));
    return x + made.back()->value();
  });
  f(ones({2}));
  REQUIRE_THROWS_WITH(f(ones({3})),
                      Catch::Contains("function tried to create variables on non-first call"));
  CHECK(f.cache_size() == 1);
}

TEST_CASE("cond, while_loop and for_range agree with eager", "[function][control]") {
  auto body = [](Tensor x, Tensor n) {
    Tensor c = cond(
        sum(x) > 0.0f, [&] { return x * 2.0f; }, [&] { return -x; });
    auto w = while_loop([](const std::vector<Tensor>& s) { return s[0] < 10.0f; },
                        [](const std::vector<Tensor>& s) {
                          return std::vector<Tensor>{s[0] + 1.0f, s[1] * 2.0f};
                        },
                        {sum(x), ones({2})});
    auto r = for_range(n,
                       [](const Tensor& i, const std::vector<Tensor>& s) {
                         return std::vector<Tensor>{s[0] + cast(i, DType::f32)};
                       },
                       {zeros({})});
    return std::vector<Tensor>{c, w[0], w[1], r[0]};
  };
  auto f = kiln::function(body);
  for (float sign : {1.0f, -1.0f})
    for (float start : {12.0f, 9.5f, 0.5f})  // 0, 1 and many while iterations
      for (int64_t n : {0, 1, 5}) {
        auto x = full({2, 2}, sign * start / 4);
        auto nt = Tensor::scalar<int64_t>(n);
        auto got = f(x, nt);
        auto want = body(x, nt);
        for (size_t k = 0; k < want.size(); ++k) check_close(got[k], want[k]);
      }
  CHECK(f.trace_count() == 1);
}

TEST_CASE("control flow nested in control flow reads the function's values",
          "[function][control]") {
  // The inner regions use x and n, values of the function around the outer region.
  auto body = [](Tensor x, Tensor n) {
    auto r = for_range(
        n,
        [&](const Tensor& i, const std::vector<Tensor>& s) {
          Tensor inner =
              for_range(n,
                        [&](const Tensor& j, const std::vector<Tensor>& t) {
                          return std::vector<Tensor>{t[0] * 0.5f + x + cast(i * j, DType::f32)};
                        },
                        {s[0]})
                  .at(0);
          Tensor picked = cond(
              sum(inner) > sum(x), [&] { return inner - x; }, [&] { return inner + x * 2.0f; });
          auto w = while_loop(
              [&](const std::vector<Tensor>& c) { return sum(c[0]) < sum(x) * 4.0f + 50.0f; },
              [&](const std::vector<Tensor>& c) {
                return std::vector<Tensor>{c[0] + abs(x) + 1.0f};
              },
              {picked});
          return std::vector<Tensor>{w[0]};
        },
        {x});
    return r[0];
  };
  for (bool jit : {false, true}) {
    FunctionOptions o;
    o.jit = jit;
    auto f = kiln::function(body, o);
    for (int64_t n : {0, 1, 3}) {
      auto x = Tensor::from<float>({0.5f, -1.5f, 2.0f, 0.25f}, {2, 2});
      auto nt = Tensor::scalar<int64_t>(n);
      check_close(f(x, nt), body(x, nt));
    }
    CHECK(f.trace_count() == 1);
  }
}

TEST_CASE("a failing trace leaves the cache as it was", "[function][errors]") {
  auto f = kiln::function([](Tensor x) {
    if (x.shape()[0] == 3) return matmul(x, ones({5, 2}));  // (3, 4) @ (5, 2): bad
    return x * 2.0f;
  });
  f(ones({2, 4}));
  REQUIRE(f.cache_size() == 1);
  REQUIRE_THROWS_WITH(f(ones({3, 4})),
                      Catch::Contains("[matmul]") && Catch::Contains("test_function.cpp"));
  CHECK(f.cache_size() == 1);
  CHECK(f.trace_count() == 1);
  check_close(f(ones({4, 4})), full({4, 4}, 2.0f));

  auto g = kiln::function([](Tensor x) {
    if (sum(x).item<float>() > 0) return x;  // a host read of a traced tensor
    return -x;
  });
  REQUIRE_THROWS_WITH(g(ones({2})), Catch::Contains("kiln::cond"));
  CHECK(g.cache_size() == 0);

  // An operator has no location of its own: while tracing it reports the function's.
  auto h = kiln::function([](Tensor x) { return x + ones({5}); });
  REQUIRE_THROWS_WITH(h(ones({3})),
                      Catch::Contains("[add]") && Catch::Contains("test_function.cpp"));
}

TEST_CASE("traced IR: folded constants, CSE and source locations", "[function][ir]") {
  auto f = kiln::function([](Tensor x) {
    Tensor a = exp(x) + exp(x);        // CSE: one exp
    Tensor k = full({}, 2.0f) * 3.0f;  // concrete: computed while tracing
    return a * k;
  });
  auto x = ones({3});
  std::string traced = f.ir(x, Stage::traced);
  std::string optimized = f.ir(x, Stage::optimized);
  auto count = [](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(traced, "kiln.exp") == 2);
  CHECK(count(optimized, "kiln.exp") == 1);
  CHECK(traced.find("test_function.cpp") != std::string::npos);
  check_close(f(x), (exp(x) + exp(x)) * 6.0f, 1e-6);
}

TEST_CASE("KILN_DUMP_IR writes every stage of every trace", "[function][ir]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kiln_dump_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ::setenv("KILN_DUMP_IR", dir.c_str(), 1);
  FunctionOptions options;
  options.name = "dumped";
  auto f = kiln::function([](Tensor x) { return exp(x) + 1.0f; }, options);
  f(ones({2}));
  f(ones({3}));
  ::unsetenv("KILN_DUMP_IR");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  // two signatures x (traced, optimized, fused, lowered, llvm), sorted by signature
  // hash and then stage name: fused, llvm, lowered, optimized, traced.
  REQUIRE(names.size() == 10);
  for (const auto& n : names) CHECK(n.rfind("dumped.", 0) == 0);
  auto read = [&](const std::string& name) {
    std::ifstream in(dir / name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  CHECK(names[0].find(".fused.mlir") != std::string::npos);
  CHECK(read(names[0]).find("kiln.fusion") != std::string::npos);
  CHECK(names[1].find(".llvm.mlir") != std::string::npos);
  CHECK(read(names[1]).find("llvm.func") != std::string::npos);
  CHECK(names[2].find(".lowered.mlir") != std::string::npos);
  CHECK(read(names[2]).find("vector.maskedload") != std::string::npos);
  CHECK(names[4].find(".traced.mlir") != std::string::npos);
  CHECK(read(names[4]).find("kiln.exp") != std::string::npos);
  fs::remove_all(dir);
}
