// f.save and kiln::load (kiln/saved_function.h): for every op of the op list (its op case,
// jit and graph mode) the loaded function returns the traced one's results bit for bit;
// dynamic dimensions stay dynamic; variables load with their values and keep assignments;
// captures travel; arguments outside the signature get a traced function's error; every
// damaged, foreign or future file is a kiln::Error naming the file; 10,000 mutants of a
// saved file load or throw, never crash (ctest saved_function.fresh_process: in another
// process).
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "compiler/io/safetensors.h"
#include "mutate.h"
#include "mutate_contents.h"
#include "op_cases.h"
#include "reference.h"
#include "runtime/op_list.h"
#include "test_files.h"

using namespace kiln;
using kiln::test::OpCase;
namespace st = kiln::detail::safetensors;
namespace fs = std::filesystem;
using Catch::Contains;
using kiln::test::bits;
using kiln::test::read_bytes;
using kiln::test::TempDir;
using kiln::test::test_data_dir;
using kiln::test::write_bytes;

namespace {

/// Op `name`'s case as a kiln::function (its -1 signature if dynamic), jit or graph mode.
auto op_function(const OpCase& c, const char* name, bool jit) {
  FunctionOptions options = c.options(name);
  options.jit = jit;
  return kiln::function([&c](const std::vector<Tensor>& xs) { return c.fn(xs); }, options);
}

}  // namespace

TEST_CASE("saved functions: every op's function loads and returns the traced results bit for bit",
          "[saved]") {
  TempDir dir;
  auto table = kiln::test::op_cases();
  const bool jit = GENERATE(false, true);
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name << (jit ? " (jit)" : " (graph)"));
    const OpCase& c = table.at(op.name);
    auto f = op_function(c, op.name, jit);
    const std::string path = dir.file(std::string(op.name) + ".kiln");
    f.save(path, c.inputs);
    const Tensor want = f(c.inputs);
    LoadedFunction g = load(path, {.jit = jit});
    REQUIRE(g.signatures().size() == 1);
    REQUIRE(g.signatures()[0].args.size() == c.inputs.size());
    std::vector<Tensor> got = g(c.inputs);
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].dtype() == want.dtype());
    REQUIRE(got[0].shape() == want.shape());
    CHECK(bits(got[0]) == bits(want));
    CHECK(g.name() == op.name);
    CHECK(g.ir(Stage::traced) == f.ir(c.inputs, Stage::optimized));
  }
}

TEST_CASE("saved functions: dynamic dimensions, variables, captures and several results",
          "[saved]") {
  TempDir dir;
  Variable w(random_normal({4, 3}, 1), "w");
  Variable calls(zeros({}, DType::i64), "calls");
  Tensor bias = random_normal({3}, 2);  // a captured constant
  FunctionOptions options;
  options.name = "affine";
  options.input_signature = std::vector<TensorSpec>{{{-1, 4}, DType::f32}};
  auto f = kiln::function(
      [&](Tensor x) {
        calls.assign_add(ones({}, DType::i64));
        Tensor y = matmul(x, w.value()) + bias;
        return std::make_tuple(relu(y), sum(y, 1));
      },
      options);
  const std::string path = dir.file("affine.kiln");
  f.save(path);                               // the signature's function
  CHECK(calls.value().item<int64_t>() == 0);  // saving does not run it
  w.assign(zeros({4, 3}));                    // the file holds w as it was at save

  LoadedFunction g = load(path);
  REQUIRE(g.signatures().size() == 1);
  CHECK(g.signatures()[0].args[0].shape == Shape{-1, 4});
  CHECK(g.signatures()[0].results.size() == 2);
  REQUIRE(g.variables().size() == 2);
  Variable* loaded_w = g.variables()[0]->name() == "w" ? g.variables()[0] : g.variables()[1];
  Variable* loaded_calls = g.variables()[0]->name() == "w" ? g.variables()[1] : g.variables()[0];
  // f with w's saved value, to compare against.
  Tensor w_saved = loaded_w->value();
  w.assign(w_saved);
  for (int64_t batch : {1, 7, 64}) {
    INFO("batch " << batch);
    Tensor x = random_normal({batch, 4}, 10 + static_cast<uint64_t>(batch));
    std::vector<Tensor> got = g({x});
    auto [relu_want, sum_want] = f(x);
    REQUIRE(got.size() == 2);
    CHECK(got[0].shape() == Shape{batch, 3});
    CHECK(bits(got[0]) == bits(relu_want));
    CHECK(bits(got[1]) == bits(sum_want));
  }
  // Assignments inside the loaded graph persist in its variables, apart from the original's.
  CHECK(loaded_calls->value().item<int64_t>() == 3);
  CHECK(calls.value().item<int64_t>() == 3);
  // Arguments outside the signature: the error a traced function with that signature gives.
  Tensor bad = zeros({3, 5});
  std::string traced_error, loaded_error;
  try {
    f(bad);
  } catch (const Error& e) {
    traced_error = e.what();
  }
  try {
    g({bad});
  } catch (const Error& e) {
    loaded_error = e.what();
  }
  CHECK_FALSE(traced_error.empty());
  CHECK(loaded_error == traced_error);
  CHECK_THROWS_WITH(g({bad, bad}), Contains("called with 2 tensor arguments"));
  CHECK_THROWS_WITH(g({zeros({2, 4}, DType::f64)}), Contains("expected f32 (?, 4)"));

  // Saved again with the variables' current values, loaded again: the count continues.
  g.save(dir.file("again.kiln"));
  LoadedFunction h = load(dir.file("again.kiln"));
  h({zeros({2, 4})});
  for (Variable* v : h.variables())
    if (v->name() == "calls") CHECK(v->value().item<int64_t>() == 4);
  CHECK(h.ir(Stage::fused).find("kiln.fusion") != std::string::npos);

  // A tape cannot silently get zeros through a loaded call.
  GradientTape tape;
  Tensor x = random_normal({2, 4}, 3);
  tape.watch(x);
  CHECK_THROWS_WITH(g({x}), Contains("not differentiable"));
}

TEST_CASE("saved functions: what cannot be saved", "[saved]") {
  TempDir dir;
  Variable unnamed(zeros({2}));
  auto f = kiln::function([&](Tensor x) { return x + unnamed.value(); });
  CHECK_THROWS_WITH(f.save(dir.file("a.kiln"), zeros({2})), Contains("variable without a name"));
  Variable a(zeros({2}), "v"), b(ones({2}), "v");
  auto twice = kiln::function([&](Tensor x) { return x + a.value() + b.value(); });
  CHECK_THROWS_WITH(twice.save(dir.file("b.kiln"), zeros({2})),
                    Contains("two variables named 'v'"));
  auto no_signature = kiln::function([](Tensor x) { return x * 2.0f; });
  CHECK_THROWS_WITH(no_signature.save(dir.file("c.kiln")), Contains("has none"));
  CHECK_FALSE(fs::exists(dir.file("a.kiln")));
  CHECK_FALSE(fs::exists(dir.file("c.kiln")));
}

TEST_CASE("saved functions: damaged, foreign and future files are errors naming the file",
          "[saved]") {
  TempDir dir;
  Variable k(Tensor::from<float>({3.0f, 1.0f, 2.0f, 5.0f, 4.0f}), "k");
  auto f = kiln::function([&](Tensor x) { return tanh(x) * k.value(); });
  const std::string good = dir.file("good.kiln");
  f.save(good, random_normal({5}, 1));
  const std::string bytes = read_bytes(good);

  std::string flipped = bytes;
  flipped[flipped.size() - 2] ^= 0x04;  // a bit of k's value: the digest sees it
  write_bytes(dir.file("flipped.kiln"), flipped);
  CHECK_THROWS_WITH(load(dir.file("flipped.kiln")),
                    Contains("flipped.kiln") && Contains("do not match the digest"));
  write_bytes(dir.file("short.kiln"), bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH(load(dir.file("short.kiln")), Contains("short.kiln"));
  CHECK_THROWS_WITH(load(dir.file("absent.kiln")), Contains("absent.kiln"));

  Variable v(zeros({2}), "v");
  Checkpoint({{"m", std::vector<Variable*>{&v}}}).save(dir.file("ckpt.safetensors"));
  CHECK_THROWS_WITH(load(dir.file("ckpt.safetensors")), Contains("it is a checkpoint"));

  // Future versions, and a graph that is not kiln's: the digest recomputed, as a writer
  // of such a file would.
  auto rewrite = [&](const std::string& name, auto&& edit) {
    st::Contents c = st::decode(bytes, good);
    edit(c);
    c.metadata["sha256"] = st::content_digest(c);
    write_bytes(dir.file(name), st::encode(c));
    return dir.file(name);
  };
  CHECK_THROWS_WITH(load(rewrite("v9.kiln",
                                 [](st::Contents& c) {
                                   c.metadata["format_version"] = "9";
                                   c.metadata["kiln_version"] = "7.0.0";
                                 })),
                    Contains("format version 9") && Contains("kiln 7.0.0") &&
                        Contains("reads format versions up to 1"));
  CHECK_THROWS_WITH(
      load(rewrite("d5.kiln", [](st::Contents& c) { c.metadata["dialect_version"] = "5"; })),
      Contains("dialect version 5") && Contains("up to 1"));
  CHECK_THROWS_WITH(load(rewrite("arith.kiln",
                                 [](st::Contents& c) {
                                   std::string& g = c.metadata["graph/0"];
                                   const size_t at = g.find("kiln.tanh");
                                   REQUIRE(at != std::string::npos);
                                   g.replace(at, 9, "math.tanh");
                                 })),
                    Contains("arith.kiln") && Contains("function 0"));
  CHECK_THROWS_WITH(load(rewrite("types.kiln",
                                 [](st::Contents& c) {
                                   std::string& m = c.metadata["manifest"];
                                   const size_t at = m.find("[5]", m.find("\"args\""));
                                   REQUIRE(at != std::string::npos);
                                   m.replace(at, 3, "[6]");
                                 })),
                    Contains("types.kiln") && Contains("the manifest says (f32 (6,))"));
}

TEST_CASE("saved functions: NaN or infinite weights are refused unless allowed", "[saved]") {
  TempDir dir;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Variable w(Tensor::from<float>({1.0f, nan, 2.0f, -inf}), "w");
  Variable scale(Tensor::from<double>({0.5}), "scale");
  Tensor mask = Tensor::from<float>({0.0f, -inf, 0.0f, inf});  // a captured constant
  auto f = kiln::function([&](Tensor x) { return x * w.value() + mask; });
  const Tensor x = Tensor::from<float>({3.0f, 4.0f, -0.0f, 5.0f});
  const std::string path = dir.file("diverged.kiln");
  f.save(path, x);
  CHECK_THROWS_WITH(load(path), Contains("diverged.kiln") && Contains("variable 'w'") &&
                                    Contains("holds 2 NaN or infinite values of 4") &&
                                    Contains("LoadOptions::allow_nonfinite"));
  for (bool jit : {true, false}) {
    INFO("jit " << jit);
    LoadedFunction g = load(path, {.jit = jit, .allow_nonfinite = true});
    CHECK(bits(g({x})[0]) == bits(f(x)));
  }
  // The same function with finite weights loads by default; its infinite capture travels.
  w.assign(Tensor::from<float>({1.0f, 2.0f, 3.0f, 4.0f}));
  f.save(path, x);
  LoadedFunction g = load(path);
  CHECK(bits(g({x})[0]) == bits(f(x)));
  // f64 weights are checked too.
  auto h = kiln::function([&](Tensor y) { return y * scale.value(); });
  scale.assign(Tensor::from<double>({std::numeric_limits<double>::infinity()}));
  h.save(dir.file("f64.kiln"), Tensor::from<double>({1.0}));
  CHECK_THROWS_WITH(load(dir.file("f64.kiln")),
                    Contains("variable 'scale'") && Contains("holds 1 NaN or infinite value of 1"));
}

TEST_CASE("saved functions: 10,000 mutated files load or throw kiln::Error", "[saved][fuzz]") {
  // scripts/fuzz.sh runs this with KILN_FUZZ_RUNS=1000000 (and another seed) under ASan/UBSan.
  const kiln::test::FuzzSettings fuzz = kiln::test::fuzz_settings(10'000, 20261208);
  TempDir dir;
  Variable scale(Tensor::scalar<float>(2.0f), "scale");
  auto f = kiln::function([&](Tensor x) { return exp(x) * scale.value() + 1.0f; });
  const std::string valid_path = dir.file("valid.kiln");
  f.save(valid_path, random_normal({3}, 1));
  const std::string valid = read_bytes(valid_path);
  const std::string path = dir.file("mutant.kiln");
  std::mt19937_64 rng(fuzz.seed);
  long loaded = 0, refused = 0;
  for (long i = 0; i < fuzz.runs; ++i) {
    std::string b = valid;
    kiln::test::mutate(b, rng);
    write_bytes(path, b);
    try {
      LoadedFunction g = load(path, {.jit = false});
      // Accepted: the digest matched, so it is the saved function.
      REQUIRE(g.signatures().size() == 1);
      ++loaded;
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).find("mutant.kiln") != std::string::npos);
      ++refused;
    }
  }
  if (fuzz.from_environment)
    std::printf("fuzz saved function: %ld loaded, %ld refused\n", loaded, refused);
  CHECK(refused > fuzz.runs / 2);
  CHECK(loaded + refused == fuzz.runs);
}

TEST_CASE("saved functions: 10,000 mutants behind a recomputed digest load and run, or throw",
          "[saved][fuzz]") {
  // The digest stops damage, not a writer that lies: these mutants edit the manifest, the
  // graph's text, the versions or a tensor and recompute it, so they reach the manifest's
  // reader, the graph parser and verifier and the checks between them, and a loaded one is
  // called. scripts/fuzz.sh runs 10^6 under ASan/UBSan.
  const kiln::test::FuzzSettings fuzz = kiln::test::fuzz_settings(10'000, 20261209);
  TempDir dir;
  Variable w(random_normal({3, 2}, 1), "w");
  Variable calls(zeros({}, DType::i64), "calls");
  Tensor offset = random_normal({2}, 2);
  FunctionOptions options;
  options.input_signature = std::vector<TensorSpec>{{{-1, 3}, DType::f32}};
  auto f = kiln::function(
      [&](Tensor x) {
        calls.assign_add(ones({}, DType::i64));
        Tensor y = exp(matmul(x, w.value()) + offset);
        return std::make_tuple(sum(y, 1), reshape(cast(y > 1.0f, DType::i32), {-1}));
      },
      options);
  const std::string valid_path = dir.file("valid.kiln");
  f.save(valid_path);
  const std::string valid = read_bytes(valid_path);
  const std::string path = dir.file("mutant.kiln");
  const Tensor x = random_normal({4, 3}, 3);
  std::mt19937_64 rng(fuzz.seed);
  long loaded = 0, ran = 0, refused = 0;
  for (long i = 0; i < fuzz.runs; ++i) {
    write_bytes(path, kiln::test::mutate_behind_digest(valid, rng, path));
    std::optional<LoadedFunction> g;
    try {
      g = load(path, {.jit = i % 64 == 0});  // every 64th through the JIT too
      ++loaded;
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).find("mutant.kiln") != std::string::npos);
      ++refused;
      continue;
    }
    try {  // what loaded runs or refuses its arguments; it never crashes
      std::vector<Tensor> out = (*g)({x});
      REQUIRE(out.size() == g->signatures()[0].results.size());
      ++ran;
    } catch (const Error&) {
    }
  }
  if (fuzz.from_environment)
    std::printf("fuzz saved function behind the digest: %ld loaded (%ld ran), %ld refused\n",
                loaded, ran, refused);
  CHECK(refused > fuzz.runs / 2);
  CHECK(loaded + refused == fuzz.runs);
}

TEST_CASE("saved functions: the file written by kiln 0.1 loads and runs forever after", "[saved]") {
  // KILN_WRITE_GOLDEN=1 rewrites it (only when the format changes on purpose, with a new
  // format version; old files must keep loading).
  const std::string golden = test_data_dir() + "/function-v1.kiln";
  Variable w(reshape(arange(0.0, 6.0, 1.0), {2, 3}) * 0.5f - 1.0f, "w");
  Variable count(zeros({}, DType::i64), "count");
  FunctionOptions options;
  options.name = "golden";
  options.input_signature = std::vector<TensorSpec>{{{-1, 2}, DType::f32}};
  auto f = kiln::function(
      [&](Tensor x) {
        count.assign_add(ones({}, DType::i64));
        return tanh(matmul(x, w.value())) + 1.0f;
      },
      options);
  if (std::getenv("KILN_WRITE_GOLDEN") != nullptr) f.save(golden);

  LoadedFunction g = load(golden);
  CHECK(g.writer_version() == "0.1.0");
  CHECK(g.name() == "golden");
  REQUIRE(g.signatures().size() == 1);
  CHECK(g.signatures()[0].args[0].shape == Shape{-1, 2});
  for (int64_t batch : {1, 3}) {
    Tensor x = reshape(arange(0.0, static_cast<double>(2 * batch), 1.0), {batch, 2}) - 1.5f;
    Tensor want = f(x);
    std::vector<Tensor> got = g({x});
    REQUIRE(got.size() == 1);
    CHECK(bits(got[0]) == bits(want));
  }
  for (Variable* v : g.variables())
    if (v->name() == "count") CHECK(v->value().item<int64_t>() == 2);
}

TEST_CASE("saved functions: several concrete functions in one file, chosen per call", "[saved]") {
  TempDir dir;
  Variable scale(Tensor::scalar<float>(1.5f), "scale");
  auto f = kiln::function([&](Tensor x) {
    scale.assign(scale.value() + 1.0f);
    return sum(x * scale.value(), 0);
  });
  CHECK_THROWS_WITH(f.save_all(dir.file("none.kiln")), Contains("no concrete function is cached"));
  Tensor a = random_normal({2, 3}, 1), b = random_normal({4, 3}, 2);
  f(a);
  f(b);
  REQUIRE(f.cache_size() == 2);
  f.save_all(dir.file("two.kiln"));
  LoadedFunction g = load(dir.file("two.kiln"));
  REQUIRE(g.signatures().size() == 2);
  CHECK(g.signatures()[0].args[0].shape == Shape{2, 3});
  CHECK(g.signatures()[1].args[0].shape == Shape{4, 3});
  REQUIRE(g.variables().size() == 1);  // shared by both, saved once
  CHECK(g.variables()[0]->value().item<float>() == 3.5f);
  // Both functions write the one loaded variable, as both traced ones write `scale`.
  for (const Tensor& x : {a, b, a}) {
    Tensor want = f(x);
    std::vector<Tensor> got = g({x});
    REQUIRE(got.size() == 1);
    CHECK(bits(got[0]) == bits(want));
  }
  CHECK(g.variables()[0]->value().item<float>() == scale.value().item<float>());
  CHECK_THROWS_WITH(g({random_normal({5, 3}, 3)}),
                    Contains("fit none of the saved signatures: (f32 (2, 3)), (f32 (4, 3))"));
}

TEST_CASE(
    "saved functions: every op at the edges of its dtype (±0, subnormals, huge, inf, NaN) "
    "equals the traced function bit for bit",
    "[saved]") {
  TempDir dir;
  auto table = kiln::test::op_cases();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<double> edges = {
      0.0, -0.0, std::numeric_limits<float>::denorm_min(), -1e-40, 1e38, -3e38,
      inf, -inf, std::numeric_limits<float>::quiet_NaN(),  1.0,    -2.5, 0.5};
  // Floating inputs refilled with edge values (integer and boolean inputs are indices,
  // labels and masks: kept, so the op's own refusals stay what they test).
  auto at_edges = [&](const std::vector<Tensor>& inputs, size_t offset) {
    std::vector<Tensor> out;
    for (const Tensor& x : inputs) {
      if (!is_floating(x.dtype())) {
        out.push_back(x);
        continue;
      }
      std::vector<double> v(static_cast<size_t>(x.numel()));
      for (size_t i = 0; i < v.size(); ++i) v[i] = edges[(i * 5 + offset) % edges.size()];
      out.push_back(Tensor::from<double>(v, x.shape().vec()).astype(x.dtype()));
    }
    return out;
  };
  const bool jit = GENERATE(false, true);
  for (const OpInfo& op : kOps) {
    INFO("op " << op.name << (jit ? " (jit)" : " (graph)"));
    const OpCase& c = table.at(op.name);
    auto f = op_function(c, op.name, jit);
    const std::string path = dir.file(std::string(op.name) + ".kiln");
    f.save(path, c.inputs);
    LoadedFunction g = load(path, {.jit = jit});
    for (size_t offset : {0, 3, 7}) {
      INFO("edge offset " << offset);
      const std::vector<Tensor> inputs = at_edges(c.inputs, offset);
      std::string traced_error, loaded_error;
      Tensor want, got;
      try {
        want = f(inputs);
      } catch (const Error& e) {
        traced_error = e.what();
      }
      try {
        got = g(inputs).at(0);
      } catch (const Error& e) {
        loaded_error = e.what();
      }
      REQUIRE(traced_error.empty() == loaded_error.empty());
      if (!traced_error.empty()) continue;
      REQUIRE(got.dtype() == want.dtype());
      REQUIRE(got.shape() == want.shape());
      CHECK(bits(got) == bits(want));
    }
  }
}
