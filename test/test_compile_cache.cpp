// The persistent compile cache (KILN_CACHE_DIR): hits give the same code and bits, every
// change that shapes the code misses, damaged entries are found and replaced, the folder's
// bounds keep the most recently used entries, and an unsafe folder is refused. (Processes
// sharing one folder: test/compile_cache_processes.sh.)
#include <kiln/kiln.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/pipeline/compile_cache.h"
#include "rng.h"

using namespace kiln;
namespace fs = std::filesystem;
namespace cache = kiln::detail::compile_cache;

namespace {

/// Sets an environment variable for its lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// A fresh cache folder, the one KILN_CACHE_DIR names while this lives.
class TempCache {
 public:
  TempCache() {
    std::string dir = (fs::temp_directory_path() / "kiln-cache-test-XXXXXX").string();
    REQUIRE(::mkdtemp(dir.data()) != nullptr);
    path = dir;
    env_.emplace("KILN_CACHE_DIR", dir);
  }
  ~TempCache() {
    env_.reset();
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::remove_all(path, ec);
  }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(path))
      if (e.path().extension() == ".kjit") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  size_t temporaries() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(path))
      n += e.path().filename().string().starts_with(".tmp-");
    return n;
  }
  fs::path path;

 private:
  std::optional<ScopedEnv> env_;
};

/// What the cache warns about on std::cerr while this lives.
struct CerrCapture {
  std::ostringstream buffer;
  std::streambuf* old = std::cerr.rdbuf(buffer.rdbuf());
  ~CerrCapture() { std::cerr.rdbuf(old); }
};

/// Each element's bits, whatever the float dtype.
std::vector<uint64_t> bits(const Tensor& t) {
  std::vector<uint64_t> out;
  if (t.dtype() == DType::f32) {
    for (float v : t.to_vector<float>()) out.push_back(std::bit_cast<uint32_t>(v));
  } else {
    for (double v : t.to_vector<double>()) out.push_back(std::bit_cast<uint64_t>(v));
  }
  return out;
}

// The programs, each made into a fresh kiln::function (an empty in-memory cache) on one
// source line, so that every fresh function traces the same graph at the same locations.
auto program = [](Tensor x, Tensor y) { return tanh(x * 1.5f + y) * y - exp(-x); };
auto other_op = [](Tensor x, Tensor y) { return tanh(x * 1.5f + y) * y - exp(x); };
auto rows = [](Tensor x, Tensor y) { return softmax(x * y, 1) + sum(x, {1}, true); };

template <class F>
auto fresh(F fn, FunctionOptions options = {}) {
  return kiln::function(fn, std::move(options));
}

Tensor input(Shape shape, uint64_t seed, DType dtype = DType::f32) {
  return random_uniform(shape, seed, -2.0f, 2.0f).astype(dtype);
}

}  // namespace

TEST_CASE("a fresh function finds its code on disk: no codegen, same bits, same IR",
          "[compile_cache]") {
  TempCache dir;
  for (auto* fn : {+[](Tensor x, Tensor y) { return program(x, y); },
                   +[](Tensor x, Tensor y) { return rows(x, y); }}) {
    Tensor x = input({16, 33}, 1), y = input({16, 33}, 2);
    auto first = fresh(fn);
    Tensor want = first(x, y);
    CHECK(first.stats().disk_misses == 1);
    CHECK(first.stats().disk_hits == 0);
    CHECK(first.stats().codegen_ms > 0);

    auto second = fresh(fn);
    Tensor got = second(x, y);
    const FunctionStats s = second.stats();
    CHECK(s.disk_hits == 1);
    CHECK(s.disk_misses == 0);
    CHECK(s.codegen_ms == 0);
    CHECK(s.optimize_ms == 0);
    CHECK(bits(got) == bits(want));
    // And eager's (to rounding: the row program's sums may add in another order).
    const auto g = got.to_vector<float>(), e = fn(x, y).to_vector<float>();
    for (size_t i = 0; i < g.size(); ++i)
      CHECK(std::abs(g[i] - e[i]) <= 1e-5f * (1 + std::abs(e[i])));
    for (Stage stage : {Stage::traced, Stage::optimized, Stage::fused, Stage::lowered, Stage::llvm})
      CHECK(second.ir(x, y, stage) == first.ir(x, y, stage));
    // A later call with other values runs the loaded code too.
    Tensor x2 = input({16, 33}, 3), y2 = input({16, 33}, 4);
    CHECK(bits(second(x2, y2)) == bits(first(x2, y2)));
  }
  CHECK(dir.entries().size() == 2);
  CHECK(dir.temporaries() == 0);
}

TEST_CASE("whatever shapes the code is in the key: each change misses", "[compile_cache]") {
  TempCache dir;
  Tensor x = input({8, 20}, 5), y = input({8, 20}, 6);
  fresh(program)(x, y);
  REQUIRE(dir.entries().size() == 1);
  size_t expected = 1;
  auto misses = [&](auto&& f, auto&&... args) {
    auto result = f(args...);
    CHECK(f.stats().disk_misses == 1);
    CHECK(f.stats().disk_hits == 0);
    CHECK(dir.entries().size() == ++expected);
    return result;
  };
  auto op = fresh(other_op);
  CHECK(bits(misses(op, x, y)) == bits(other_op(x, y)));
  auto dtype = fresh(program);
  misses(dtype, x.astype(DType::f64), y.astype(DType::f64));
  auto shape = fresh(program);
  misses(shape, input({9, 20}, 5), input({9, 20}, 6));
  FunctionOptions fast_math;
  fast_math.fast_math = true;
  auto fast = fresh(program, fast_math);
  misses(fast, x, y);
  {
    cache::test_hooks().fingerprint = "another build of kiln";
    auto f = fresh(program);
    misses(f, x, y);
    cache::test_hooks().fingerprint.clear();
  }
  {
    cache::test_hooks().cpu_features = "+sse2,-avx512f";
    auto f = fresh(program);
    misses(f, x, y);
    cache::test_hooks().cpu_features.clear();
  }
  // And with nothing changed, a hit.
  auto same = fresh(program);
  same(x, y);
  CHECK(same.stats().disk_hits == 1);
}

TEST_CASE("the same graph from other source lines is recompiled, and errors name the new line",
          "[compile_cache]") {
  TempCache dir;
  Tensor x = input({4, 4}, 7), y = input({4, 4}, 8);
  auto here = kiln::function(program);
  here(x, y);
  auto there = kiln::function(program);  // another line: the ops' locations differ
  Tensor r = there(x, y);
  CHECK(there.stats().disk_misses == 1);
  CHECK(bits(r) == bits(program(x, y)));
  CHECK(dir.entries().size() == 1);  // the entry was replaced, not added to
  auto again = kiln::function(program);
  again(x, y);
  CHECK(again.stats().disk_hits == 0);  // a third line again
}

TEST_CASE("a damaged entry is found, removed with a warning and compiled again",
          "[compile_cache]") {
  TempCache dir;
  Tensor x = input({12, 7}, 9), y = input({12, 7}, 10);
  const Tensor want = program(x, y);
  fresh(program)(x, y);
  REQUIRE(dir.entries().size() == 1);
  const fs::path entry = dir.entries()[0];
  const auto whole = fs::file_size(entry);
  auto damage = [&](const char* how) {
    std::fstream file(entry, std::ios::in | std::ios::out | std::ios::binary);
    if (std::strcmp(how, "truncated") == 0) {
      file.close();
      fs::resize_file(entry, whole / 2);
    } else {  // one bit flipped in the middle
      file.seekg(static_cast<std::streamoff>(whole / 2));
      char c = 0;
      file.get(c);
      file.seekp(static_cast<std::streamoff>(whole / 2));
      file.put(static_cast<char>(c ^ 0x10));
    }
  };
  for (const char* how : {"truncated", "flipped"}) {
    INFO(how);
    damage(how);
    CerrCapture warnings;
    auto f = fresh(program);
    Tensor r = f(x, y);
    CHECK(bits(r) == bits(want));
    CHECK(f.stats().disk_misses == 1);
    CHECK(warnings.buffer.str().find("is damaged") != std::string::npos);
    // The recompile wrote a whole entry again, and it hits.
    CHECK(fs::file_size(entry) == whole);
    auto g = fresh(program);
    CHECK(bits(g(x, y)) == bits(want));
    CHECK(g.stats().disk_hits == 1);
  }
}

TEST_CASE("the entry format refuses every truncation and random damage", "[compile_cache]") {
  cache::Key key{};
  key[0] = 42;
  cache::Record record{"locations",
                       "optimized text",
                       "graph bytes",
                       {"k0", "k1"},
                       {std::string(300, '\x7f'), "second object"}};
  const std::string bytes = cache::encode(key, record);
  std::string why;
  auto decoded = cache::decode(bytes, &key, &why);
  REQUIRE(decoded);
  CHECK(*decoded == record);
  cache::Key other = key;
  other[31] = 1;
  CHECK_FALSE(cache::decode(bytes, &other, &why));
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(cache::decode(bytes.substr(0, n), &key, &why));
  kt::Rng rng(11);
  int refused = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string copy = bytes;
    const int flips = 1 + static_cast<int>(rng.next() % 3);
    for (int k = 0; k < flips; ++k)
      copy[rng.next() % copy.size()] ^= static_cast<char>(1 + rng.next() % 255);
    refused += !cache::decode(copy, &key, &why).has_value();
  }
  CHECK(refused == 4000);
}

TEST_CASE("the folder's bounds keep the most recently used entries", "[compile_cache]") {
  TempCache dir;
  ScopedEnv bound("KILN_CACHE_MAX_ENTRIES", "3");
  auto call = [](int64_t rows_) {
    auto f = fresh(program);
    f(input({rows_, 5}, 1), input({rows_, 5}, 2));
    return f.stats();
  };
  call(1);
  call(2);
  call(3);
  CHECK(dir.entries().size() == 3);
  CHECK(call(1).disk_hits == 1);  // 1 is now the most recently used
  call(4);                        // evicts 2, the least recently used
  CHECK(dir.entries().size() == 3);
  CHECK(call(1).disk_hits == 1);
  CHECK(call(3).disk_hits == 1);
  CHECK(call(4).disk_hits == 1);
  CHECK(call(2).disk_hits == 0);  // gone (and now back, evicting 1)
  CHECK(dir.entries().size() == 3);

  // A byte bound smaller than one entry keeps none, and calls are still right.
  ScopedEnv bytes("KILN_CACHE_MAX_BYTES", "1K");
  Tensor x = input({6, 5}, 1), y = input({6, 5}, 2);  // a new entry, trimmed at once
  auto f = fresh(program);
  CHECK(bits(f(x, y)) == bits(program(x, y)));
  CHECK(dir.entries().empty());
  CHECK(cache::stats(cache::config()).entries == 0);
}

TEST_CASE("a folder every user may write to, or another user's, is refused", "[compile_cache]") {
  TempCache dir;
  Tensor x = input({5, 5}, 3), y = input({5, 5}, 4);
  fs::permissions(dir.path, fs::perms::all, fs::perm_options::replace);
  {
    CerrCapture warnings;
    auto f = fresh(program);
    CHECK(bits(f(x, y)) == bits(program(x, y)));
    CHECK(f.stats().disk_hits + f.stats().disk_misses == 0);  // no cache
    CHECK(dir.entries().empty());
    CHECK(warnings.buffer.str().find("every user may write to it") != std::string::npos);
  }
  fs::permissions(dir.path, fs::perms::owner_all, fs::perm_options::replace);
  if (::geteuid() == 0) {  // only root may give a folder away
    REQUIRE(::chown(dir.path.c_str(), 4321, 4321) == 0);
    CerrCapture warnings;
    auto f = fresh(program);
    CHECK(bits(f(x, y)) == bits(program(x, y)));
    CHECK(f.stats().disk_hits + f.stats().disk_misses == 0);
    CHECK(warnings.buffer.str().find("belongs to another user") != std::string::npos);
    REQUIRE(::chown(dir.path.c_str(), ::geteuid(), ::getegid()) == 0);
  }
  ScopedEnv off("KILN_CACHE_DIR", "off");
  auto f = fresh(program);
  f(x, y);
  CHECK(f.stats().disk_hits + f.stats().disk_misses == 0);
}

TEST_CASE("kiln-cache's operations: stats, verify, clear", "[compile_cache]") {
  TempCache dir;
  fresh(program)(input({2, 3}, 1), input({2, 3}, 2));
  fresh(rows)(input({2, 3}, 1), input({2, 3}, 2));
  const cache::Config config = cache::config();
  REQUIRE(config.enabled);
  cache::FolderStats s = cache::stats(config);
  CHECK(s.entries == 2);
  CHECK(s.bytes == fs::file_size(dir.entries()[0]) + fs::file_size(dir.entries()[1]));
  fs::resize_file(dir.entries()[0], 100);
  cache::Verified v = cache::verify(config);
  CHECK(v.good == 1);
  REQUIRE(v.damaged.size() == 1);
  CHECK(v.damaged[0].find("digest does not match") != std::string::npos);
  CHECK(dir.entries().size() == 1);
  CHECK(cache::clear(config) >= 1);
  CHECK(dir.entries().empty());
}
