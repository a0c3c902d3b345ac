// kiln::Checkpoint: a training run checkpointed and resumed gives the uninterrupted run's
// losses bit for bit (compiled and eager; ctest checkpoint.resume_in_fresh_process does it
// across processes); every dtype round-trips bitwise; the file is safetensors with the
// manifest in its metadata; restore-on-create for optimizer slots; every bad file or
// mismatched model is a kiln::Error naming the file and the variable, with nothing written;
// 10,000 mutated checkpoints restore cleanly or throw, never leaving a half-restored model.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "checkpoint_training.h"
#include "compiler/io/safetensors.h"
#include "mutate.h"
#include "mutate_contents.h"
#include "reference.h"
#include "test_files.h"

using namespace kiln;
namespace st = kiln::detail::safetensors;
namespace fs = std::filesystem;
using Catch::Contains;
using kiln::test::bits;
using kiln::test::read_bytes;
using kiln::test::TempDir;
using kiln::test::test_data_dir;
using kiln::test::write_bytes;

TEST_CASE("Checkpoint: a resumed training run equals the uninterrupted one bit for bit",
          "[checkpoint]") {
  TempDir dir;
  for (bool compiled : {true, false}) {
    INFO((compiled ? "compiled" : "eager"));
    kiln::test::ResumeOptions whole_run;
    whole_run.compiled = compiled;
    const std::vector<double> whole = kiln::test::train_steps(0, 12, whole_run);

    kiln::test::ResumeOptions first_part = whole_run;
    first_part.save_after = 6;
    first_part.save_to = dir.file("step6.safetensors");
    std::vector<double> resumed = kiln::test::train_steps(0, 6, first_part);
    kiln::test::ResumeOptions second_part = whole_run;
    second_part.restore_from = first_part.save_to;
    for (double loss : kiln::test::train_steps(6, 12, second_part)) resumed.push_back(loss);

    REQUIRE(resumed.size() == whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      INFO("step " << i);
      CHECK(std::memcmp(&resumed[i], &whole[i], sizeof(double)) == 0);
    }
    // Resuming matters: a fresh run from step 6 without the checkpoint differs.
    const std::vector<double> fresh = kiln::test::train_steps(6, 12, whole_run);
    CHECK(fresh != std::vector<double>(whole.begin() + 6, whole.end()));
  }
}

TEST_CASE(
    "Checkpoint: every dtype, rank 0 and empty values round-trip bitwise; the file is "
    "safetensors with a manifest",
    "[checkpoint]") {
  TempDir dir;
  const float nan_payload = std::bit_cast<float>(0x7fc12345u);
  auto make = [&](uint64_t seed) {
    std::vector<std::unique_ptr<Variable>> vars;
    vars.push_back(std::make_unique<Variable>(
        seed ? Tensor::from<float>({-0.0f, std::numeric_limits<float>::denorm_min(), 3e38f,
                                    static_cast<float>(seed)},
                                   {2, 2})
             : zeros({2, 2}),
        "f32"));
    vars.push_back(std::make_unique<Variable>(
        seed ? Tensor::from<double>({5e-324, -1e308}, {2}) : zeros({2}, DType::f64), "f64"));
    vars.push_back(std::make_unique<Variable>(
        seed ? Tensor::scalar<int32_t>(std::numeric_limits<int32_t>::min()) : zeros({}, DType::i32),
        "i32"));
    vars.push_back(std::make_unique<Variable>(
        seed ? Tensor::from<int64_t>({std::numeric_limits<int64_t>::max(), -1}, {1, 2})
             : zeros({1, 2}, DType::i64),
        "i64"));
    vars.push_back(std::make_unique<Variable>(
        seed ? Tensor::from<bool>(std::vector<bool>{true, false, true}, {3})
             : zeros({3}, DType::boolean),
        "mask"));
    vars.push_back(std::make_unique<Variable>(zeros({0, 5}), "empty"));
    return vars;
  };
  auto saved = make(9), restored = make(0);
  auto pointers = [](auto& vars) {
    std::vector<Variable*> out;
    for (auto& v : vars) out.push_back(v.get());
    return out;
  };
  Checkpoint writer({{"state", pointers(saved)}});
  const std::string path = dir.file("all.safetensors");
  writer.save(path);
  CHECK(writer.save_count() == 1);
  Checkpoint reader({{"state", pointers(restored)}});
  RestoreStatus status = reader.restore(path);
  CHECK_NOTHROW(status.assert_consumed());
  for (size_t i = 0; i < saved.size(); ++i) {
    INFO(saved[i]->name());
    CHECK(restored[i]->dtype() == saved[i]->dtype());
    CHECK(bits(*restored[i]) == bits(*saved[i]));
  }

  // A plain safetensors file: names "<group>/<variable>", the manifest in the metadata.
  st::Contents contents = st::decode(read_bytes(path), path);
  REQUIRE(contents.tensors.size() == 6);
  CHECK(contents.tensors[0].first == "state/f32");
  CHECK(contents.tensors[4].first == "state/mask");
  CHECK(contents.metadata.at("format") == "kiln-checkpoint");
  CHECK(contents.metadata.at("format_version") == "1");
  CHECK(contents.metadata.at("kiln_version") == kiln::version());
  CHECK(contents.metadata.at("save_count") == "1");
  CHECK(contents.metadata.at("sha256").size() == 64);

  // NaN is refused by default and kept bit for bit when allowed.
  Variable w(Tensor::from<float>({1.0f, nan_payload}, {2}), "w");
  Checkpoint with_nan({{"m", std::vector<Variable*>{&w}}});
  with_nan.save(dir.file("nan.safetensors"));
  Variable w2(zeros({2}), "w");
  Checkpoint into({{"m", std::vector<Variable*>{&w2}}});
  CHECK_THROWS_WITH(into.restore(dir.file("nan.safetensors")),
                    Contains("nan.safetensors") &&
                        Contains("'m/w' holds 1 NaN or infinite value") &&
                        Contains("allow_nonfinite"));
  CHECK(bits(w2) == std::string(8, '\0'));  // nothing written
  into.restore(dir.file("nan.safetensors"), {.allow_nonfinite = true});
  CHECK(bits(w2) == bits(w));
}

TEST_CASE("Checkpoint: a directory numbers its checkpoints, restores the latest, keeps the newest",
          "[checkpoint]") {
  TempDir dir;
  const std::string ckpts = dir.file("ckpts");
  fs::create_directory(ckpts);
  Variable v(zeros({3}), "v");
  Checkpoint ckpt({{"m", std::vector<Variable*>{&v}}});
  CHECK(latest_checkpoint(ckpts).empty());
  CHECK(latest_checkpoint(dir.file("absent")).empty());
  CHECK_THROWS_WITH(ckpt.restore(ckpts), Contains("ckpts") && Contains("holds no checkpoint"));
  write_bytes(dir.file("ckpts/ckpt-x.safetensors"), "not a checkpoint");  // not numbered
  write_bytes(dir.file("ckpts/notes.txt"), "other files stay");
  std::vector<std::string> written;
  for (int step = 1; step <= 12; ++step) {
    v.assign(full({3}, static_cast<double>(step)));
    written.push_back(ckpt.save(ckpts, {.max_to_keep = 3}));
  }
  // Numbers count past 9 as numbers, not as text (ckpt-10 after ckpt-9).
  CHECK(written[0] == (fs::path(ckpts) / "ckpt-1.safetensors").string());
  CHECK(written[11] == (fs::path(ckpts) / "ckpt-12.safetensors").string());
  CHECK(latest_checkpoint(ckpts) == written[11]);
  std::set<std::string> left;
  for (const auto& entry : fs::directory_iterator(ckpts)) left.insert(entry.path().filename());
  CHECK(left == std::set<std::string>{"ckpt-10.safetensors", "ckpt-11.safetensors",
                                      "ckpt-12.safetensors", "ckpt-x.safetensors", "notes.txt"});
  // A fresh object (a resumed process) restores the latest and numbers on after it.
  Variable w(zeros({3}), "v");
  Checkpoint resumed({{"m", std::vector<Variable*>{&w}}});
  resumed.restore(ckpts).assert_consumed();
  CHECK(bits(w) == bits(full({3}, 12.0)));
  CHECK(resumed.save(ckpts) == (fs::path(ckpts) / "ckpt-13.safetensors").string());
  CHECK_THROWS_WITH(resumed.save(ckpts, {.max_to_keep = -1}), Contains("max_to_keep is -1"));
  // A save that fails (a variable without a name) deletes nothing.
  Variable unnamed(zeros({1}));
  Checkpoint bad({{"m", std::vector<Variable*>{&unnamed}}});
  CHECK_THROWS(bad.save(ckpts, {.max_to_keep = 1}));
  CHECK(fs::exists(written[11]));
  // A file path is a file, as before, whatever max_to_keep says.
  CHECK(ckpt.save(dir.file("one.safetensors"), {.max_to_keep = 1}) == dir.file("one.safetensors"));
}

TEST_CASE("Checkpoint: optimizer slots restored on creation; status names what was not used",
          "[checkpoint]") {
  TempDir dir;
  Tensor x = random_normal({4, 3}, 1), labels = random_int({4}, 2, 0, 2);
  auto train = [&](MLP& model, Adam& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
      GradientTape tape;
      Tensor loss = mean(softmax_cross_entropy(model(x), labels));
      opt.apply(tape.gradient(loss, model.variables()), model.variables());
    }
  };
  MLP model({3, 5, 2}, 1);
  Adam opt(0.05);
  train(model, opt, 3);
  opt.set_learning_rate(0.02);
  Checkpoint ckpt({{"model", model}, {"optimizer", opt}});
  ckpt.save(dir.file("a.safetensors"));

  SECTION("before the first apply: pending until it, then every slot as saved") {
    MLP model2({3, 5, 2}, 99);
    Adam opt2(0.05);
    Checkpoint ckpt2({{"model", model2}, {"optimizer", opt2}});
    RestoreStatus status = ckpt2.restore(dir.file("a.safetensors"));
    CHECK(status.unused().empty());
    // Adam's m and v of 4 variables, its step count and learning rate.
    CHECK(status.pending().size() == 10);
    CHECK_THROWS_WITH(status.assert_consumed(), Contains("optimizer/Adam/iterations"));
    // The first apply creates the slots from the checkpoint: the step count continues.
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(model2(x), labels));
    std::vector<Tensor> grads = tape.gradient(loss, model2.variables());
    opt2.apply(grads, model2.variables());
    CHECK(status.pending().empty());
    CHECK_NOTHROW(status.assert_consumed());
    CHECK(opt2.iterations()->value().item<double>() == 4);
    CHECK(opt2.learning_rate() == 0.02);
    // The same step taken by the original gives bitwise the same variables.
    opt.apply(grads, model.variables());
    const auto a = model.variables(), b = model2.variables();
    for (size_t i = 0; i < a.size(); ++i) CHECK(bits(*a[i]) == bits(*b[i]));
    const auto sa = opt.variables(), sb = opt2.variables();
    REQUIRE(sa.size() == sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      INFO(sa[i]->name());
      CHECK(sa[i]->name() == sb[i]->name());
      CHECK(bits(*sa[i]) == bits(*sb[i]));
    }
  }
  SECTION("after the first apply: assigned at once; a model-only restore leaves the rest") {
    MLP model2({3, 5, 2}, 99);
    Adam opt2(0.05);
    train(model2, opt2, 1);
    Checkpoint ckpt2({{"model", model2}, {"optimizer", opt2}});
    CHECK_NOTHROW(ckpt2.restore(dir.file("a.safetensors")).assert_consumed());
    CHECK(opt2.iterations()->value().item<double>() == 3);
    CHECK(opt2.learning_rate() == 0.02);

    MLP model3({3, 5, 2}, 5);
    Checkpoint model_only({{"model", model3}});
    RestoreStatus status = model_only.restore(dir.file("a.safetensors"));
    CHECK(status.unused().size() == 10);
    CHECK_THROWS_WITH(status.assert_consumed(),
                      Contains("values no tracked variable took") && Contains("optimizer/"));
    for (size_t i = 0; i < 4; ++i)
      CHECK(bits(*model3.variables()[i]) == bits(*model.variables()[i]));
  }
  SECTION("an optimizer checkpoint of another model fails its first apply, naming the slots") {
    MLP other({3, 6, 2}, 2);
    Adam opt3(0.05);
    Checkpoint ckpt3({{"optimizer", opt3}});
    ckpt3.restore(dir.file("a.safetensors"));
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(other(x), labels));
    CHECK_THROWS_WITH(opt3.apply(tape.gradient(loss, other.variables()), other.variables()),
                      Contains("a.safetensors") && Contains("mlp/dense0/kernel/adam_m") &&
                          Contains("(3, 5)") && Contains("(3, 6)"));
    CHECK_FALSE(opt3.built());
  }
}

TEST_CASE(
    "Checkpoint: bad files and mismatched models are errors naming the file and variable, "
    "with nothing written",
    "[checkpoint]") {
  TempDir dir;
  Variable w(random_normal({2, 3}, 1), "w"), b(random_normal({3}, 2), "b");
  Checkpoint ckpt({{"model", std::vector<Variable*>{&w, &b}}});
  const std::string good = dir.file("good.safetensors");
  ckpt.save(good);

  Variable w2(zeros({2, 3}), "w"), b2(zeros({3}), "b");
  const std::string w2_before = bits(w2), b2_before = bits(b2);
  auto unchanged = [&] { return bits(w2) == w2_before && bits(b2) == b2_before; };

  SECTION("another shape, dtype or a missing variable") {
    Variable wide(zeros({2, 4}), "w");
    Checkpoint shape({{"model", std::vector<Variable*>{&b2, &wide}}});
    CHECK_THROWS_WITH(shape.restore(good), Contains("good.safetensors") && Contains("'model/w'") &&
                                               Contains("f32 (2, 3) in the checkpoint") &&
                                               Contains("f32 (2, 4) in the model"));
    CHECK(unchanged());  // b2 came first and was valid: still not written
    Variable wd(zeros({2, 3}, DType::f64), "w");
    Checkpoint dtype({{"model", std::vector<Variable*>{&wd}}});
    CHECK_THROWS_WITH(dtype.restore(good), Contains("'model/w' is f32 (2, 3) in the checkpoint") &&
                                               Contains("f64 (2, 3) in the model"));
    Variable extra(zeros({1}), "extra");
    Checkpoint missing({{"model", std::vector<Variable*>{&w2, &b2, &extra}}});
    CHECK_THROWS_WITH(missing.restore(good),
                      Contains("has no value for 'model/extra'") && Contains("'model/w'"));
    CHECK(unchanged());
  }
  SECTION("damaged, foreign, future and missing files") {
    Checkpoint target({{"model", std::vector<Variable*>{&w2, &b2}}});
    std::string bytes = read_bytes(good);
    std::string flipped = bytes;
    flipped[flipped.size() - 3] ^= 0x10;  // a value's bit: the digest catches it
    write_bytes(dir.file("flipped.safetensors"), flipped);
    CHECK_THROWS_WITH(target.restore(dir.file("flipped.safetensors")),
                      Contains("flipped.safetensors") && Contains("do not match the digest"));
    write_bytes(dir.file("short.safetensors"), bytes.substr(0, bytes.size() - 5));
    CHECK_THROWS_WITH(target.restore(dir.file("short.safetensors")), Contains("short.safetensors"));

    st::Contents plain;
    plain.tensors = {{"model/w", zeros({2, 3})}};
    write_bytes(dir.file("plain.safetensors"), st::encode(plain));
    CHECK_THROWS_WITH(target.restore(dir.file("plain.safetensors")),
                      Contains("plain.safetensors") && Contains("not a kiln checkpoint"));

    st::Contents future = st::decode(bytes, good);
    future.metadata["format_version"] = "7";
    future.metadata["kiln_version"] = "9.0.0";
    write_bytes(dir.file("future.safetensors"), st::encode(future));
    CHECK_THROWS_WITH(target.restore(dir.file("future.safetensors")),
                      Contains("format version 7") && Contains("kiln 9.0.0") &&
                          Contains("reads format versions up to 1") &&
                          Contains(std::string("this kiln (") + kiln::version()));
    CHECK_THROWS_WITH(target.restore(dir.file("absent.safetensors")),
                      Contains("absent.safetensors"));
    CHECK(unchanged());
  }
  SECTION("what cannot be saved, and a save that fails leaves the old file") {
    Variable unnamed(zeros({1}));
    CHECK_THROWS_WITH(Checkpoint({{"m", std::vector<Variable*>{&unnamed}}}).save(dir.file("x")),
                      Contains("variable 0 of group 'm' has no name"));
    Variable again(zeros({1}), "w");
    CHECK_THROWS_WITH(Checkpoint({{"m", std::vector<Variable*>{&w, &again}}}).save(dir.file("x")),
                      Contains("two variables of group 'm' are named 'w'"));
    CHECK_THROWS_WITH(Checkpoint({{"a/b", std::vector<Variable*>{&w}}}),
                      Contains("group name 'a/b'"));
    CHECK_FALSE(fs::exists(dir.file("x")));
    const std::string before = read_bytes(good);
    w.assign(ones({2, 3}));
    CHECK_THROWS(ckpt.save((dir.path() / "no-such-dir" / "good.safetensors").string()));
    CHECK(read_bytes(good) == before);
    auto step = kiln::function([&](Tensor x) {
      ckpt.save(dir.file("inside.safetensors"));
      return x;
    });
    CHECK_THROWS_WITH(step(zeros({1})), Contains("inside a kiln::function"));
  }
}

namespace {

/// What both mutation tests share: a valid checkpoint of three variables (f32, i64,
/// boolean) and the variables they restore into, which must hold the file's values after a
/// restore and stay zeros after a refusal.
struct CheckpointFuzz {
  TempDir dir;
  Variable w{random_normal({3, 4}, 1), "w"}, n{Tensor::from<int64_t>({1, 2, 3}, {3}), "n"};
  Variable flag{Tensor::from<bool>(std::vector<bool>{true, false}, {2}), "flag"};
  Variable w2{zeros({3, 4}), "w"}, n2{zeros({3}, DType::i64), "n"};
  Variable flag2{zeros({2}, DType::boolean), "flag"};
  Checkpoint target;
  std::string valid, path, zero_w, zero_n, zero_flag;

  CheckpointFuzz() : target({{"model", std::vector<Variable*>{&w2, &n2, &flag2}}}) {
    Checkpoint({{"model", std::vector<Variable*>{&w, &n, &flag}}})
        .save(dir.file("valid.safetensors"));
    valid = read_bytes(dir.file("valid.safetensors"));
    path = dir.file("mutant.safetensors");
    zero_w = bits(w2), zero_n = bits(n2), zero_flag = bits(flag2);
  }
  /// Restores `bytes` (written to `path`): true if restored, false if refused with an
  /// error naming the file; either way nothing is half-written.
  bool restore(const std::string& bytes) {
    write_bytes(path, bytes);
    try {
      target.restore(path);
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).find("mutant.safetensors") != std::string::npos);
      REQUIRE(bits(w2) == zero_w);
      REQUIRE(bits(n2) == zero_n);
      REQUIRE(bits(flag2) == zero_flag);
      return false;
    }
    return true;
  }
  void reset() {
    w2.assign(zeros({3, 4}));
    n2.assign(zeros({3}, DType::i64));
    flag2.assign(zeros({2}, DType::boolean));
  }
};

}  // namespace

TEST_CASE("Checkpoint: 10,000 mutated checkpoints restore or throw kiln::Error, all or nothing",
          "[checkpoint][fuzz]") {
  // scripts/fuzz.sh runs this with KILN_FUZZ_RUNS=1000000 (and another seed) under ASan/UBSan.
  const kiln::test::FuzzSettings fuzz = kiln::test::fuzz_settings(10'000, 20261207);
  CheckpointFuzz f;
  std::mt19937_64 rng(fuzz.seed);
  long restored = 0, refused = 0;
  for (long i = 0; i < fuzz.runs; ++i) {
    std::string b = f.valid;
    kiln::test::mutate(b, rng);
    if (!f.restore(b)) {
      ++refused;
      continue;
    }
    // Accepted: the digest matched, so the values are the saved ones, every one.
    REQUIRE(bits(f.w2) == bits(f.w));
    REQUIRE(bits(f.n2) == bits(f.n));
    REQUIRE(bits(f.flag2) == bits(f.flag));
    ++restored;
    f.reset();
  }
  if (fuzz.from_environment)
    std::printf("fuzz checkpoint: %ld restored, %ld refused\n", restored, refused);
  CHECK(refused > fuzz.runs / 2);
  CHECK(restored + refused == fuzz.runs);
}

TEST_CASE("Checkpoint: 10,000 mutants behind a recomputed digest restore whole or not at all",
          "[checkpoint][fuzz]") {
  // The manifest, versions and values edited and the digest recomputed (a writer that lies):
  // what restores is exactly the file's values, and what is refused wrote nothing.
  // scripts/fuzz.sh runs 10^6 under ASan/UBSan.
  namespace st = kiln::detail::safetensors;
  const kiln::test::FuzzSettings fuzz = kiln::test::fuzz_settings(10'000, 20261210);
  CheckpointFuzz f;
  std::mt19937_64 rng(fuzz.seed);
  long restored = 0, refused = 0;
  for (long i = 0; i < fuzz.runs; ++i) {
    const std::string mutant = kiln::test::mutate_behind_digest(f.valid, rng, f.path);
    if (!f.restore(mutant)) {
      ++refused;
      continue;
    }
    // Restored: every variable holds the file's value.
    std::map<std::string, Tensor> values;
    for (auto& [name, t] : st::decode(mutant, f.path).tensors) values.emplace(name, t);
    REQUIRE(bits(f.w2) == bits(values.at("model/w")));
    REQUIRE(bits(f.n2) == bits(values.at("model/n")));
    REQUIRE(bits(f.flag2) == bits(values.at("model/flag")));
    ++restored;
    f.reset();
  }
  if (fuzz.from_environment)
    std::printf("fuzz checkpoint behind the digest: %ld restored, %ld refused\n", restored,
                refused);
  CHECK(refused > fuzz.runs / 10);
  CHECK(restored > fuzz.runs / 10);
  CHECK(restored + refused == fuzz.runs);
}

namespace {

/// The variables of the compatibility checkpoint test/data/checkpoint-v1.safetensors, their
/// values a formula of their index: what a checkpoint written by kiln 0.1 holds.
struct GoldenModel {
  Variable w{reshape(arange(0.0, 3.0, 0.5), {2, 3}) - 1.25f, "w"};
  Variable steps{Tensor::from<int64_t>({-(int64_t{1} << 40), 7}, {2}), "steps"};
  Variable mask{Tensor::from<bool>(std::vector<bool>{true, false, false, true}, {2, 2}), "mask"};
  Variable scale{Tensor::scalar<double>(1.0 / 3.0), "scale"};
};

}  // namespace

TEST_CASE("Checkpoint: the checkpoint written by kiln 0.1 restores forever after", "[checkpoint]") {
  // KILN_WRITE_GOLDEN=1 rewrites it (only when the format changes on purpose, with a new
  // format version; old files must keep loading).
  const std::string golden = test_data_dir() + "/checkpoint-v1.safetensors";
  GoldenModel expected;
  std::vector<Variable*> expected_vars{&expected.w, &expected.steps, &expected.mask,
                                       &expected.scale};
  if (std::getenv("KILN_WRITE_GOLDEN") != nullptr)
    Checkpoint({{"model", expected_vars}}).save(golden);

  Variable w(zeros({2, 3}), "w"), steps(zeros({2}, DType::i64), "steps");
  Variable mask(zeros({2, 2}, DType::boolean), "mask"), scale(zeros({}, DType::f64), "scale");
  Checkpoint ckpt({{"model", std::vector<Variable*>{&w, &steps, &mask, &scale}}});
  RestoreStatus status = ckpt.restore(golden);
  CHECK_NOTHROW(status.assert_consumed());
  CHECK(bits(w) == bits(expected.w));
  CHECK(w.value().to_vector<float>() ==
        std::vector<float>{-1.25f, -0.75f, -0.25f, 0.25f, 0.75f, 1.25f});
  CHECK(bits(steps) == bits(expected.steps));
  CHECK(bits(mask) == bits(expected.mask));
  CHECK(scale.value().item<double>() == 1.0 / 3.0);
  const st::Contents contents = st::decode(read_bytes(golden), golden);
  CHECK(contents.metadata.at("kiln_version") == "0.1.0");
}
