// The safetensors format (compiler/io/safetensors.h): round trips of every dtype bit for bit
// (NaN payloads, -0, subnormals, integer extremes, booleans, rank 0, empty tensors); a file
// written by hand from the format's description decodes to its values; every kind of lying
// file is a kiln::Error naming the file and the problem; 10,000 seeded mutations of a valid
// file decode or throw kiln::Error, never crash (the ASan/UBSan build runs this too); atomic
// writes leave the old file when they fail.
#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compiler/io/safetensors.h"
#include "mutate.h"
#include "reference.h"

using namespace kiln;
namespace st = kiln::detail::safetensors;
using Catch::Contains;

namespace {

st::Contents sample() {
  const float nan_payload = std::bit_cast<float>(0x7fc12345u);
  st::Contents c;
  c.tensors = {
      {"layer/kernel",
       Tensor::from<float>({1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::infinity(), nan_payload, 3e38f},
                           {2, 3})},
      {"layer/bias", Tensor::from<double>({-1e308, 5e-324}, {2})},
      {"step", Tensor::scalar<int64_t>(std::numeric_limits<int64_t>::min())},
      {"counts", Tensor::from<int32_t>({std::numeric_limits<int32_t>::max(), -7, 0}, {3, 1})},
      {"mask", Tensor::from<bool>(std::vector<bool>{true, false, true, true}, {2, 2})},
      {"empty", zeros({0, 4})},
  };
  c.metadata = {{"format", "kiln"}, {"note", "quotes \" and \\ and \n escaped"}};
  return c;
}

/// The raw bytes of a host tensor: what "bit for bit" compares.
std::string bytes_of(const Tensor& t) {
  return std::string(static_cast<const char*>(t.data()),
                     static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
}

std::string u64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

std::string file_of(const std::string& header, const std::string& data) {
  return u64(header.size()) + header + data;
}

}  // namespace

TEST_CASE("safetensors: every dtype round-trips bit for bit, names and metadata kept",
          "[safetensors]") {
  st::Contents in = sample();
  std::string bytes = st::encode(in);
  REQUIRE((8 + *reinterpret_cast<const uint64_t*>(bytes.data())) % 8 == 0);  // data aligned
  st::Contents out = st::decode(bytes, "sample.safetensors");
  REQUIRE(out.tensors.size() == in.tensors.size());
  for (size_t i = 0; i < in.tensors.size(); ++i) {
    INFO(in.tensors[i].first);
    CHECK(out.tensors[i].first == in.tensors[i].first);  // in data order: the order written
    CHECK(out.tensors[i].second.dtype() == in.tensors[i].second.dtype());
    CHECK(out.tensors[i].second.shape() == in.tensors[i].second.shape());
    CHECK(bytes_of(out.tensors[i].second) == bytes_of(in.tensors[i].second));
  }
  CHECK(out.metadata == in.metadata);
  // Encoding is a function of the contents.
  CHECK(st::encode(out) == bytes);
}

TEST_CASE("safetensors: a file written from the format's description decodes", "[safetensors]") {
  // Two tensors in the order the offsets give (not the header's), a padded header.
  float a[2] = {1.0f, -2.5f};
  int64_t b[3] = {7, -1, 1LL << 40};
  std::string data(reinterpret_cast<const char*>(b), sizeof b);
  data.append(reinterpret_cast<const char*>(a), sizeof a);
  std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)"
      R"("b":{"dtype":"I64","shape":[3,1],"data_offsets":[0,24]},"__metadata__":{"k":"v"}}   )";
  st::Contents c = st::decode(file_of(header, data), "hand.safetensors");
  REQUIRE(c.tensors.size() == 2);
  CHECK(c.tensors[0].first == "b");
  CHECK(c.tensors[0].second.shape() == Shape{3, 1});
  CHECK(c.tensors[0].second.to_vector<int64_t>() == std::vector<int64_t>{7, -1, 1LL << 40});
  CHECK(c.tensors[1].first == "a");
  CHECK(c.tensors[1].second.to_vector<float>() == std::vector<float>{1.0f, -2.5f});
  CHECK(c.metadata.at("k") == "v");
}

TEST_CASE("safetensors: lying files are errors naming the file and the problem", "[safetensors]") {
  const std::string f32x2 = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string eight(8, '\0');
  struct Case {
    std::string bytes, message;
  };
  std::vector<Case> cases = {
      {"abc", "truncated: 3 bytes"},
      {u64(1ull << 40) + "{}", "over the limit"},
      {u64(500) + "{}", "runs past the end of the file"},
      {file_of("[1,2]", ""), "not a JSON object"},
      {file_of("{\"t\":", ""), "not JSON"},
      {file_of(f32x2, std::string(4, '\0')), "run past the 4 bytes of data"},
      {file_of(f32x2, std::string(12, '\0')), "4 bytes after the last tensor's data"},
      {file_of(R"({"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')),
       "dtype F16 is not one kiln has"},
      {file_of(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight),
       "needs 12 bytes, its data_offsets give 8"},
      {file_of(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight),
       "a dimension is not a size"},
      {file_of(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})",
               eight),
       "more bytes than the file has"},
      {file_of(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight),
       "not 0 <= begin <= end"},
      {file_of(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight),
       "not [begin, end]"},
      {file_of(R"({"t":{"shape":[2],"data_offsets":[0,8]}})", eight), "no dtype"},
      {file_of(R"({"t":{"dtype":"F32","data_offsets":[0,8]}})", eight), "no shape"},
      {file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
               R"("u":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
               std::string(4, '\0')),
       "overlap or leave a gap"},
      {file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight),
       "overlap or leave a gap"},
      {file_of(R"({"t":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})",
               std::string("\x01\x07", 2)),
       "BOOL byte 1 is 7"},
      {file_of(R"({"__metadata__":{"k":1}})", ""), "not a string"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CHECK_THROWS_WITH(st::decode(c.bytes, "bad.safetensors"),
                      Contains("[safetensors] bad.safetensors: ") && Contains(c.message));
  }
  // A key given twice: the JSON parser keeps the last (as the reference reader's map
  // does); the offsets must still tile the data.
  CHECK_THROWS_WITH(st::decode(file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                       R"("t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                       eight),
                               "bad.safetensors"),
                    Contains("bad.safetensors") && Contains("overlap or leave a gap"));
  st::Contents twice;
  twice.tensors = {{"w", zeros({1})}, {"w", zeros({1})}};
  CHECK_THROWS_WITH(st::encode(twice), Contains("'w' is used twice"));
}

TEST_CASE("safetensors: 10,000 mutated files decode or throw kiln::Error", "[safetensors][fuzz]") {
  // scripts/fuzz.sh runs this with KILN_FUZZ_RUNS=1000000 (and another seed) under ASan/UBSan.
  const kiln::test::FuzzSettings fuzz = kiln::test::fuzz_settings(10'000, 20261206);
  const long runs = fuzz.runs;
  const std::string valid = st::encode(sample());
  std::mt19937_64 rng(fuzz.seed);
  long decoded = 0, refused = 0;
  for (long i = 0; i < runs; ++i) {
    std::string b = valid;
    kiln::test::mutate(b, rng);
    try {
      st::Contents c = st::decode(b, "mutant");
      for (auto& [name, t] : c.tensors)
        REQUIRE(t.numel() * static_cast<int64_t>(dtype_size(t.dtype())) <=
                static_cast<int64_t>(b.size()));
      ++decoded;
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).rfind("[safetensors] mutant: ", 0) == 0);
      ++refused;
    }
  }
  INFO(decoded << " decoded, " << refused << " refused");
  if (fuzz.from_environment)
    std::printf("fuzz safetensors: %ld decoded, %ld refused\n", decoded, refused);
  CHECK(refused > runs / 2);
  CHECK(decoded + refused == runs);
}

TEST_CASE("safetensors: atomic writes replace whole files or leave them", "[safetensors]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("kiln-st-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "w.safetensors").string();
  const std::string first = st::encode(sample());
  st::write_file_atomically(path, first);
  CHECK(st::read_file(path, 1 << 20) == first);
  st::Contents other;
  other.tensors = {{"x", ones({3})}};
  st::write_file_atomically(path, st::encode(other));
  CHECK(st::decode(st::read_file(path, 1 << 20), path).tensors.at(0).first == "x");
  // A write that cannot happen (its folder is gone) leaves nothing behind.
  CHECK_THROWS_WITH(st::write_file_atomically((dir / "missing" / "w.safetensors").string(), first),
                    Contains("cannot create a temporary file for"));
  // Nothing but the file itself: no temporary files left.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file();
  CHECK(entries == 1);
  CHECK_THROWS_WITH(st::read_file(path, 10), Contains("over the limit of 10"));
  CHECK_THROWS_WITH(st::read_file((dir / "none").string(), 10), Contains("cannot open"));
  fs::remove_all(dir);
}
