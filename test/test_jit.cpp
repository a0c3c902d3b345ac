// The JIT's own cases (jit = true against eager): what the fused kernels must get right
// beyond single ops (test_graph_ops.cpp) and random graphs (test_jit_random.cpp), among
// them the bugs the random tester found.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "rng.h"

using namespace kiln;

namespace {

/// Equal within f32 rounding of the JIT's polynomials; NaN where eager has NaN.
void check_same(const Tensor& got, const Tensor& want) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(w[i]))
      CHECK(std::isnan(g[i]));
    else
      CHECK(g[i] == Approx(w[i]).epsilon(1e-5).margin(1e-6));
  }
}

}  // namespace

TEST_CASE("a row kernel never writes over an input it reads again", "[jit]") {
  // y dies at the softmax's fusion, but the row kernel reads it in a later phase.
  auto fn = [](Tensor x) {
    Tensor y = x * 2.0f;
    Tensor s = softmax(y);
    return std::vector<Tensor>{s, y + s};
  };
  auto f = kiln::function(fn);
  Tensor x = Tensor::from<float>({0.5f, 1, 2, 3, -1, 0, 4, 2}, {2, 4});
  auto got = f(x), want = fn(x);
  check_same(got[0], want[0]);
  check_same(got[1], want[1]);
  CHECK(f.ir(x, Stage::fused).find("kiln.fusion \"rows\"") != std::string::npos);
}

TEST_CASE("a loop fusion writes over a dead intermediate and leaves arguments alone", "[jit]") {
  auto fn = [](Tensor x, Tensor w) { return tanh(matmul(x, w) * 2.0f + 1.0f); };
  auto f = kiln::function(fn);
  Tensor x = random_normal({8, 16}, 1), w = random_normal({16, 16}, 2);
  const auto x_before = x.to_vector<float>();
  check_same(f(x, w), fn(x, w));
  check_same(f(x, w), fn(x, w));  // cached: the matmul's buffer is reused in place
  CHECK(x.to_vector<float>() == x_before);
}

TEST_CASE("softmax of a row holding +inf matches the eager kernel", "[jit]") {
  const double inf = std::numeric_limits<double>::infinity();
  auto fn = [](Tensor x) { return std::vector<Tensor>{softmax(x), log_softmax(x)}; };
  auto f = kiln::function(fn);
  Tensor x = Tensor::from<double>({-2.95, inf, 1.47, -2.5, -2.2, 1, 2, 3, 4, 5}, {2, 5});
  auto got = f(x), want = fn(x);
  check_same(got[0], want[0]);
  check_same(got[1], want[1]);
}

TEST_CASE("a fused reduction over an empty axis gives its identity", "[jit]") {
  auto fn = [](Tensor x) { return sum(x * 2.0f, {0}, /*keepdims=*/true); };
  auto f = kiln::function(fn);
  Tensor x = zeros({0});
  Tensor got = f(x);
  REQUIRE(got.shape() == Shape{1});
  CHECK(got.item<float>() == 0.0f);
  check_same(f(zeros({3, 0})), fn(zeros({3, 0})));
}

TEST_CASE("W5's layer_norm(softmax(x)) is one row kernel equal to eager", "[jit]") {
  auto fn = [](Tensor x, Tensor g, Tensor b) { return layer_norm(softmax(x, 1), g, b); };
  auto f = kiln::function(fn);
  Tensor x = random_normal({64, 96}, 3), g = random_uniform({96}, 4), b = random_normal({96}, 5);
  // The normalized softmax amplifies rounding (its variance is tiny): 1e-4 relative.
  auto got = f(x, g, b).to_vector<float>(), want = fn(x, g, b).to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == Approx(want[i]).epsilon(1e-4).margin(1e-4));
  std::string fused = f.ir(x, g, b, Stage::fused);
  CHECK(fused.find("kiln.fusion \"rows\"") != std::string::npos);
  CHECK(fused.find("kiln.softmax") == std::string::npos);
  CHECK(fused.find("kiln.layer_norm") == std::string::npos);
}

TEST_CASE("the mean of a softmax row (factored out of its pass) keeps eager's specials", "[jit]") {
  // mean(e / sum(e)) becomes mean(e) / sum(e) in the row kernel; rows holding +inf, -inf,
  // NaN, only -inf, and one huge value must still give eager's NaN and finite values.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  auto fn = [](Tensor x) {
    Tensor s = softmax(x, 1);
    return std::vector<Tensor>{mean(s, {1}, true), s - mean(s, {1}, true), sum(s, {1}, true)};
  };
  auto f = kiln::function(fn);
  Tensor x = Tensor::from<float>({1,     2,    3,      4,     //
                                  inf,   0,    1,      2,     //
                                  -inf,  1,    2,      3,     //
                                  nan,   1,    2,      3,     //
                                  -inf,  -inf, -inf,   -inf,  //
                                  3e38f, 1,    -3e38f, 0},
                                 {6, 4});
  CHECK(f.ir(x, Stage::fused).find("kiln.fusion \"rows\"") != std::string::npos);
  auto got = f(x), want = fn(x);
  for (size_t i = 0; i < want.size(); ++i) check_same(got[i], want[i]);
}

// ---- Output fusion: a matmul with its elementwise epilogue ------------------------------

namespace {

bool has_output_fusion(const std::string& ir) {
  return ir.find("kiln.fusion \"output\"") != std::string::npos;
}

}  // namespace

TEST_CASE("bias + relu after a matmul is one output fusion equal to eager", "[jit]") {
  auto fn = [](Tensor x, Tensor w, Tensor b) { return relu(matmul(x, w) + b); };
  auto f = kiln::function(fn);
  Tensor x = random_normal({64, 96}, 1), w = random_normal({96, 40}, 2), b = random_normal({40}, 3);
  CHECK(has_output_fusion(f.ir(x, w, b, Stage::fused)));
  check_same(f(x, w, b), fn(x, w, b));
  check_same(f(x, w, b), fn(x, w, b));  // cached call
}

TEST_CASE("an output fusion runs the product by row blocks, each with its epilogue", "[jit]") {
  // 1,100 rows of 1,024 f32 (4 KiB each): more than one block of rows, the last partial.
  auto fn = [](Tensor x, Tensor w, Tensor b) { return tanh(matmul(x, w) * 0.5f + b); };
  auto f = kiln::function(fn);
  Tensor x = random_normal({1100, 24}, 4), w = random_normal({24, 1024}, 5),
         b = random_normal({1, 1024}, 6);
  CHECK(has_output_fusion(f.ir(x, w, b, Stage::fused)));
  check_same(f(x, w, b), fn(x, w, b));
}

TEST_CASE("output fusion: f64, several results, a bool result, and K = 0", "[jit]") {
  SECTION("f64 with the pre-activation returned too") {
    auto fn = [](Tensor x, Tensor w, Tensor b) {
      Tensor z = matmul(x, w) + b;
      return std::vector<Tensor>{z, relu(z), z > 0.0};
    };
    auto f = kiln::function(fn);
    Tensor x = random_normal({33, 70}, 7, 0, 1, DType::f64),
           w = random_normal({70, 17}, 8, 0, 1, DType::f64),
           b = random_normal({17}, 9, 0, 1, DType::f64);
    CHECK(has_output_fusion(f.ir(x, w, b, Stage::fused)));
    auto got = f(x, w, b), want = fn(x, w, b);
    for (size_t i = 0; i < want.size(); ++i) check_same(got[i], want[i]);
  }
  SECTION("an empty inner dimension: the product is zeros, the epilogue still runs") {
    auto fn = [](Tensor x, Tensor w, Tensor b) { return matmul(x, w) + b; };
    auto f = kiln::function(fn);
    Tensor x = zeros({5, 0}), w = zeros({0, 3}), b = Tensor::from<float>({1, 2, 3}, {3});
    check_same(f(x, w, b), fn(x, w, b));
  }
}

TEST_CASE("an epilogue input that is also the product's operand is not overwritten", "[jit]") {
  // x and y feed the product and the epilogue, and die at the fusion: neither may become
  // the output buffer while the product still reads it.
  auto fn = [](Tensor a, Tensor w) {
    Tensor x = a * 1.5f, y = w - 0.25f;
    return matmul(x, y) * x + y;
  };
  auto f = kiln::function(fn);
  Tensor a = random_normal({48, 48}, 10), w = random_normal({48, 48}, 11);
  CHECK(has_output_fusion(f.ir(a, w, Stage::fused)));
  check_same(f(a, w), fn(a, w));
  check_same(f(a, w), fn(a, w));
}

TEST_CASE("a long chain of transcendental ops (run in stages) equals eager", "[jit]") {
  // 20 tanh in a row: critical path past the threshold for staged kernels (tile buffers on
  // the stack); shapes whose last step is partial (masked) and whole, f32 and f64.
  auto fn = [](Tensor x) {
    Tensor y = x;
    for (int k = 0; k < 20; ++k) y = tanh(y * 1.01f + 0.1f);
    return y;
  };
  for (DType dtype : {DType::f32, DType::f64})
    for (Shape shape : {Shape{7, 37}, Shape{16, 16}, Shape{5}, Shape{300}}) {
      INFO(dtype_name(dtype) << " " << shape_str(shape));
      auto f = kiln::function(fn);
      Tensor x = random_normal(shape, 12, 0, 2, dtype);
      const std::string lowered = f.ir(x, Stage::lowered);
      // f64 tanh is the C library's, a call per element: one lane (see below).
      CHECK(lowered.find(dtype == DType::f32 ? "vector<16xf32>" : "vector<1xf64>") !=
            std::string::npos);
      CHECK(lowered.find("memref.alloca") != std::string::npos);
      check_same(f(x), fn(x));
    }
}

namespace {

/// Bit for bit, -0 for -0 (NaN for NaN, of any sign): elementwise kernels run the eager
/// kernels' own functions.
void check_bits(const Tensor& got, const Tensor& want) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", want " << w[i]);
    if (std::isnan(w[i])) {
      REQUIRE(std::isnan(g[i]));
    } else {
      REQUIRE(g[i] == w[i]);
      REQUIRE(std::signbit(g[i]) == std::signbit(w[i]));  // -0 is -0
    }
  }
}

}  // namespace

TEST_CASE("a staged long chain passes every kind of value between its stages", "[jit]") {
  // A DAG, not a chain: x read again in late stages, a row-broadcast bias, a boolean made
  // in an early stage and used in a late one (one byte per lane in its tile), a result
  // made mid-way besides the last one (all are stored by the last stage: one stored
  // earlier, over a dying input's buffer, broke a later stage's read of that input), an
  // input returned as it is;
  // static shapes with whole and partial steps and tiles, rank 3, and a dynamic dimension
  // (every step masked). Inputs hold +-0, +-inf and NaN.
  auto fn = [](Tensor x, Tensor bias) {
    Tensor positive = x > 0.0f;
    Tensor y = x;
    Tensor middle, flag;
    for (int k = 0; k < 24; ++k) {
      y = tanh(y * 1.01f + 0.1f);
      if (k % 6 == 5) y = y + x * 0.25f + bias;
      if (k == 11) middle = sigmoid(y) - bias;
      if (k == 2) flag = y > 0.2f;
      if (k == 20) y = where(flag, y, y * 0.5f);
    }
    return std::vector<Tensor>{where(positive, y, -y), middle, x};
  };
  auto special = [](Tensor x) {
    std::vector<float> v = x.to_vector<float>();
    const float inf = std::numeric_limits<float>::infinity();
    const float edges[] = {0.0f,   -0.0f,   inf,     -inf,  std::numeric_limits<float>::quiet_NaN(),
                           1e-40f, -3e-42f, 3.0e38f, -1e30f};  // subnormal, huge
    for (size_t i = 0; i < v.size(); i += 7) v[i] = edges[(i / 7) % std::size(edges)];
    return Tensor::from<float>(v, x.shape());
  };
  for (Shape shape : {Shape{16, 16}, Shape{37, 19}, Shape{3, 5, 33}, Shape{1000}, Shape{3}}) {
    INFO(shape_str(shape));
    auto f = kiln::function(fn);
    Tensor x = special(random_normal(shape, 21, 0, 2));
    Tensor bias = random_uniform({shape.back()}, 22, -0.5f, 0.5f);
    CHECK(f.ir(x, bias, Stage::lowered).find("memref.alloca") != std::string::npos);
    auto got = f(x, bias), want = fn(x, bias);
    for (size_t k = 0; k < want.size(); ++k) check_bits(got[k], want[k]);
  }
  FunctionOptions dynamic;
  dynamic.input_signature = std::vector<TensorSpec>{{{-1, 19}}, {{19}}};
  auto f = kiln::function(fn, dynamic);
  Tensor bias = random_uniform({19}, 23, -0.5f, 0.5f);
  for (int64_t rows : {1, 2, 5, 64, 301}) {
    INFO("dynamic, " << rows << " rows");
    Tensor x = special(random_normal({rows, 19}, 24 + static_cast<uint64_t>(rows), 0, 2));
    auto got = f(x, bias), want = fn(x, bias);
    for (size_t k = 0; k < want.size(); ++k) check_bits(got[k], want[k]);
  }
  CHECK(f.trace_count() == 1);
}

TEST_CASE("Stage::ptx is the function's fused kernels compiled for a CUDA device", "[jit]") {
  // No GPU needed: PTX for sm_90 from the optimized graph, one entry point per fusion (a
  // loop fusion and a row fusion here); a function without fusions says so.
  auto f = kiln::function([](Tensor x) { return softmax(tanh(x) * 2.0f, 1); });
  Tensor x = random_normal({4, 40}, 13);
  const std::string ptx = f.ir(x, Stage::ptx);
  CHECK(ptx.find(".target sm_90") != std::string::npos);
  CHECK(ptx.find(".visible .entry") != std::string::npos);
  CHECK(ptx.find("shfl.sync") != std::string::npos);  // the row kernel's block reductions
  auto g = kiln::function([](Tensor a, Tensor b) { return matmul(a, b); });
  CHECK(g.ir(x, transpose(x), Stage::ptx).find("no fused kernels") != std::string::npos);
}

TEST_CASE("compiling a function again gives the same IR, at every stage", "[jit]") {
  // Fused kernels with several cloned constants and a row fusion with buffers that outlive
  // their phase: both were once ordered by pointer, so the IR changed from one compile to
  // the next (a cache keyed by the IR, or a diff of kiln-ir dumps, would see two programs).
  auto fn = [](Tensor x, Tensor g, Tensor b) {
    Tensor v = x * 6.0f;
    Tensor t = 0.5f * v * (1.0f + tanh((v + v * v * v * 0.044715f) * 0.7978845608f));
    return layer_norm(softmax(t, 1), g, b, 1e-5);
  };
  Tensor x = random_normal({64, 128}, 91), g = random_uniform({128}, 92, 0.5f, 1.5f),
         b = random_uniform({128}, 93, -0.5f, 0.5f);
  for (Stage stage : {Stage::fused, Stage::lowered, Stage::llvm}) {
    INFO(stage_name(stage));
    // A fresh function each time, made on one line (its locations name the line).
    auto compile = [&] { return kiln::function(fn).ir(x, g, b, stage); };
    const std::string first = compile();
    for (int k = 0; k < 8; ++k) CHECK(compile() == first);
  }
}

TEST_CASE("a fusion calling the C library per element runs one lane at a time, equal to eager",
          "[jit]") {
  // pow is a C library call per element: vector lanes would each be extracted and put back
  // around the call (1.6x slower than eager's loop, kiln-bench --ops), so such a kernel is
  // the loop of calls itself. Other fusions keep their vector width.
  auto fn = [](Tensor x, Tensor y) { return pow(x, y) * 2.0f + 1.0f; };
  auto f = kiln::function(fn);
  Tensor x = random_uniform({8, 37}, 3, 0.5f, 3.0f), y = random_uniform({8, 37}, 4, -2.0f, 2.0f);
  const std::string lowered = f.ir(x, y, Stage::lowered);
  CHECK(lowered.find("vector<1xf32>") != std::string::npos);
  CHECK(lowered.find("vector<16xf32>") == std::string::npos);
  CHECK(lowered.find("powf") != std::string::npos);
  check_same(f(x, y), fn(x, y));
  auto g = kiln::function([](Tensor t) { return t * 2.0f + 1.0f; });
  CHECK(g.ir(x, Stage::lowered).find("vector<1xf32>") == std::string::npos);
  // So does f64 exp (the C library's), while f32 exp (kiln's vector algorithm) and f32 sin
  // (the library only in a branch for huge arguments) keep their width.
  auto e = [](Tensor t) { return exp(t) + 1.0; };
  Tensor x64 = x.astype(DType::f64);
  auto e64 = kiln::function(e);
  CHECK(e64.ir(x64, Stage::lowered).find("vector<1xf64>") != std::string::npos);
  check_same(e64(x64), e(x64));
  auto e32 = kiln::function([](Tensor t) { return exp(t) + 1.0f; });
  CHECK(e32.ir(x, Stage::lowered).find("vector<16xf32>") != std::string::npos);
  auto s32 = kiln::function([](Tensor t) { return sin(t) * 2.0f; });
  CHECK(s32.ir(x, Stage::lowered).find("vector<16xf32>") != std::string::npos);
}

TEST_CASE("random long elementwise DAGs (staged kernels) equal eager bit for bit", "[jit]") {
  // Programs whose critical path passes the staging threshold: 18-30 steps, each a
  // transcendental function (cost ~16) of the newest value or of a mix of earlier ones, so
  // values cross many stages, from several stages at once; comparisons make booleans that
  // a later where() reads; 1-3 inputs, some broadcast along rows; 1-3 results, middle
  // values and inputs among them; f32 and f64 (whose C library calls make one-lane
  // stages); static shapes of every tile and step remainder, and a dynamic first
  // dimension. Inputs hold +-0, +-inf, NaN. KILN_STAGED_CASES=n runs more seeds.
  const char* cases_text = std::getenv("KILN_STAGED_CASES");
  const int cases = cases_text != nullptr ? std::atoi(cases_text) : 24;
  for (int seed = 1; seed <= cases; ++seed) {
    kt::Rng rng(static_cast<uint64_t>(seed) * 7919);
    const DType dtype = rng.coin(0.75) ? DType::f32 : DType::f64;
    const int64_t cols = rng.pick<int64_t>({1, 3, 16, 19, 64, 300});
    const int64_t rows = rng.pick<int64_t>({1, 2, 5, 17});
    const int num_inputs = rng.range(1, 3);
    std::vector<bool> row_input(static_cast<size_t>(num_inputs));
    for (int i = 1; i < num_inputs; ++i) row_input[static_cast<size_t>(i)] = rng.coin(0.5);
    // The program, as a list of steps drawn once (a seed is one program).
    struct Step {
      int op, a, b, c;
      float k;
    };
    std::vector<Step> steps;
    const int n = rng.range(18, 30);
    for (int s = 0; s < n; ++s) {
      const int values = num_inputs + s;
      auto any = [&] { return rng.below(values); };
      const int newest = values - 1;
      // a, the newest full-shaped value, keeps every step in one iteration space (an op of
      // a row input alone would be a fusion of its own); b and c are any values.
      steps.push_back({rng.below(9), s == 0 ? 0 : newest, any(), any(),
                       static_cast<float>(rng.uniform(-1.5, 1.5))});
    }
    std::vector<int> outputs{num_inputs + n - 1};
    for (int k = rng.below(3); k > 0; --k) outputs.push_back(rng.below(num_inputs + n));
    auto fn = [&](const std::vector<Tensor>& in) {
      std::vector<Tensor> v(in.begin(), in.end());
      for (const Step& st : steps) {
        const Tensor& a = v[static_cast<size_t>(st.a)];
        const Tensor& b = v[static_cast<size_t>(st.b)];
        const Tensor& c = v[static_cast<size_t>(st.c)];
        Tensor r;
        switch (st.op) {
          case 0:
            r = tanh(a * st.k + 0.1f);
            break;
          case 1:
            r = sigmoid(a - b) * st.k;
            break;
          case 2:
            r = sin(a + b) * st.k;
            break;
          case 3:
            r = exp(tanh(a) * st.k) - 1.0f;
            break;
          case 4:
            r = where(a > b, tanh(a), cos(a + c));
            break;
          case 5:
            r = tanh(maximum(a, b) + minimum(a, c) * st.k);
            break;
          case 6:
            r = erf(a * st.k) + b;
            break;
          case 7:
            r = gelu(tanh(a + c));
            break;
          default:
            r = tanh(a * b + a * c);
            break;
        }
        v.push_back(r);
      }
      std::vector<Tensor> out;
      for (int o : outputs) out.push_back(v[static_cast<size_t>(o)]);
      return out;
    };
    auto inputs_for = [&](int64_t r, uint64_t data_seed) {
      std::vector<Tensor> in;
      for (int i = 0; i < num_inputs; ++i) {
        const Shape shape = row_input[static_cast<size_t>(i)] ? Shape{cols} : Shape{r, cols};
        std::vector<double> x =
            random_normal(shape, data_seed + static_cast<uint64_t>(i), 0, 2, DType::f64)
                .to_vector<double>();
        const double inf = std::numeric_limits<double>::infinity();
        // Subnormal and huge in the dtype: f32's cast from these doubles, or f64's own.
        const bool f32 = dtype == DType::f32;
        const double edges[] = {
            0.0, -0.0, inf, -inf, std::nan(""), f32 ? 1e-40 : 1e-310, f32 ? -3e38 : -1e308};
        for (size_t e = 0; e < x.size(); e += 11) x[e] = edges[(e / 11) % std::size(edges)];
        in.push_back(Tensor::from<double>(x, shape).astype(dtype));
      }
      return in;
    };
    INFO("seed " << seed << ": " << dtype_name(dtype) << ", " << rows << "x" << cols << ", "
                 << num_inputs << " inputs, " << n << " steps");
    auto run = [&](auto& f, int64_t r, uint64_t data_seed) {
      const std::vector<Tensor> in = inputs_for(r, data_seed);
      const std::vector<Tensor> got = f(in), want = fn(in);
      REQUIRE(got.size() == want.size());
      for (size_t k = 0; k < want.size(); ++k) check_bits(got[k], want[k]);
    };
    auto f = kiln::function(fn);
    CHECK(f.ir(inputs_for(rows, 1), Stage::lowered).find("memref.alloca") != std::string::npos);
    run(f, rows, 100 + static_cast<uint64_t>(seed));
    std::vector<TensorSpec> specs;
    for (int i = 0; i < num_inputs; ++i)
      specs.push_back({row_input[static_cast<size_t>(i)] ? Shape{cols} : Shape{-1, cols}, dtype});
    FunctionOptions options;
    options.input_signature = specs;
    auto g = kiln::function(fn, options);
    for (int64_t r : {int64_t{1}, rows + 2, int64_t{40}}) run(g, r, 200 + static_cast<uint64_t>(r));
  }
}

TEST_CASE("a staged long chain of integer ops wraps like eager", "[jit]") {
  // 140 multiply-adds (cost 1 each: a critical path past the staging threshold), wrapping
  // past the range of i32 and i64 at once, a boolean made early and used late, a mid-way
  // result; static and dynamic shapes; inputs at the ends of the range.
  auto fn = [](Tensor x) {
    Tensor positive = x > 0;
    Tensor y = x, middle;
    for (int k = 0; k < 140; ++k) {
      y = y * 3 + (k % 7);
      if (k == 70) middle = y - x;
    }
    return std::vector<Tensor>{where(positive, y, -y), middle};
  };
  for (DType dtype : {DType::i32, DType::i64}) {
    const double lo = dtype == DType::i32 ? -2147483648.0 : -9.2e18;
    for (Shape shape : {Shape{16, 16}, Shape{37}, Shape{3, 300}}) {
      INFO(dtype_name(dtype) << " " << shape_str(shape));
      std::vector<double> values =
          random_uniform(shape, 31, -1000.0f, 1000.0f).astype(DType::f64).to_vector<double>();
      values[0] = lo;  // the most negative value
      values[values.size() / 2] = -lo - 1;
      Tensor x = Tensor::from<double>(values, shape).astype(dtype);
      auto f = kiln::function(fn);
      CHECK(f.ir(x, Stage::lowered).find("memref.alloca") != std::string::npos);
      auto got = f(x), want = fn(x);
      for (size_t k = 0; k < want.size(); ++k)
        CHECK(got[k].to_vector<int64_t>() == want[k].to_vector<int64_t>());
    }
    FunctionOptions dynamic;
    dynamic.input_signature = std::vector<TensorSpec>{{{-1}, dtype}};
    auto g = kiln::function(fn, dynamic);
    for (int64_t n : {1, 17, 300}) {
      Tensor x = random_uniform({n}, 32, -1e6f, 1e6f).astype(dtype);
      auto got = g(x), want = fn(x);
      for (size_t k = 0; k < want.size(); ++k)
        CHECK(got[k].to_vector<int64_t>() == want[k].to_vector<int64_t>());
    }
  }
}
