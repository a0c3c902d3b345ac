// kiln::Profiler: a compiled MLP forward (W3's shape of work) and eager ops recorded and
// written as a Chrome trace, read back by a JSON parser: every plan step of every call
// once, nested in its call, with the user's lines; compile phases on the miss; the summary
// table; nothing recorded when off; one profiler at a time.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "chrome_trace.h"
#include "reference.h"

using namespace kiln;
using kiln::test::TraceEvent;

namespace {

std::string temp_path(const char* name) {
  return "/tmp/kiln-profile-" + std::to_string(::getpid()) + "-" + name + ".json";
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("Profiler: a compiled MLP's calls, steps and compile phases, and eager ops",
          "[profiler]") {
  Tensor x = random_normal({64, 784}, 1);
  Tensor w1 = random_normal({784, 512}, 2) * 0.03f, b1 = random_normal({512}, 3);
  Tensor w2 = random_normal({512, 512}, 4) * 0.04f, b2 = random_normal({512}, 5);
  Tensor w3 = random_normal({512, 10}, 6) * 0.04f;
  FunctionOptions options;
  options.name = "mlp_forward";
  auto forward = kiln::function(
      [&](Tensor in) {
        Tensor h = relu(matmul(in, w1) + b1);
        h = relu(matmul(h, w2) + b2);
        return softmax(matmul(h, w3), -1);
      },
      options);
  const std::string path = temp_path("mlp");
  int eager_line = 0;
  {
    Profiler profile(path);
    for (int i = 0; i < 3; ++i) forward(x);
    eager_line = __LINE__ + 1;
    Tensor eager = matmul(x, w1);
    REQUIRE(eager.shape() == Shape{64, 512});
    REQUIRE(profile.stop() > 0);
  }
  std::vector<TraceEvent> events = kiln::test::read_chrome_trace(path);
  std::remove(path.c_str());

  std::vector<TraceEvent> calls, steps, phases, ops;
  for (const TraceEvent& e : events) {
    if (e.phase == "M") continue;
    REQUIRE(e.phase == "X");
    REQUIRE(e.dur >= 0);
    REQUIRE(e.ts >= 0);
    if (e.category == "call") calls.push_back(e);
    if (e.category == "step") steps.push_back(e);
    if (e.category == "compile") phases.push_back(e);
    if (e.category == "op") ops.push_back(e);
  }
  REQUIRE(calls.size() == 3);
  for (const TraceEvent& c : calls) {
    CHECK(c.name == "call mlp_forward");
    CHECK(c.where.find("test_profiler.cpp:") != std::string::npos);
  }
  CHECK(calls[0].detail.rfind("cache miss", 0) == 0);
  CHECK(calls[1].detail == "cache hit");
  CHECK(calls[2].detail == "cache hit");

  // Every step of each call once, inside the call (on its thread, within its time; the
  // file's microseconds are rounded to nanoseconds).
  const double slack = 1e-3;
  auto inside = [&](const TraceEvent& e, const TraceEvent& c) {
    return e.tid == c.tid && e.ts >= c.ts - slack && e.ts + e.dur <= c.ts + c.dur + slack;
  };
  std::vector<std::vector<std::string>> per_call(3);
  for (const TraceEvent& s : steps) {
    int owner = -1;
    for (int i = 0; i < 3; ++i)
      if (inside(s, calls[i])) owner = i;
    INFO("step " << s.name << " at " << s.ts);
    REQUIRE(owner >= 0);
    per_call[owner].push_back(s.name);
    CHECK(s.where.find("test_profiler.cpp:") != std::string::npos);
    if (s.name.rfind("fusion", 0) == 0) CHECK(s.bytes > 0);
  }
  REQUIRE(!per_call[0].empty());
  CHECK(per_call[1] == per_call[0]);
  CHECK(per_call[2] == per_call[0]);
  // The steps are the fused graph's ops: as many fusions as it has.
  const std::string fused = forward.ir(x, Stage::fused);
  const size_t fusions = count_of(fused, "kiln.fusion");
  REQUIRE(fusions >= 3);
  CHECK(static_cast<size_t>(std::count_if(per_call[0].begin(), per_call[0].end(), [](auto& n) {
          return n.rfind("fusion", 0) == 0;
        })) == fusions);

  // The compile phases of the miss, inside the first call.
  std::vector<std::string> phase_names;
  for (const TraceEvent& p : phases) {
    INFO("phase " << p.name);
    CHECK(inside(p, calls[0]));
    phase_names.push_back(p.name);
  }
  for (const char* phase : {"trace", "optimize", "compile (all after the trace)"})
    CHECK(std::find(phase_names.begin(), phase_names.end(), phase) != phase_names.end());

  // The eager matmul, at its line; no op events from the trace or the plan's steps.
  for (const TraceEvent& o : ops)
    UNSCOPED_INFO("op event " << o.name << " at " << o.where << " ts " << o.ts);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].name == "matmul");
  CHECK(ops[0].where.find("test_profiler.cpp:" + std::to_string(eager_line)) != std::string::npos);
  // Bytes moved: both operands read and the result written, f32.
  CHECK(ops[0].bytes == (64 * 784 + 784 * 512 + 64 * 512) * 4);
  for (const TraceEvent& c : calls) CHECK_FALSE(inside(ops[0], c));

  // The summary: a row per name, largest total first.
  const std::string summary = profile_summary();
  INFO(summary);
  CHECK(summary.find("call mlp_forward") != std::string::npos);
  CHECK(summary.find("fusion output") != std::string::npos);
  std::vector<double> totals;
  size_t line_start = summary.find('\n', summary.find("-----")) + 1;
  for (size_t end = summary.find('\n', line_start);
       end != std::string::npos && summary[line_start] != '(';
       line_start = end + 1, end = summary.find('\n', line_start)) {
    char name[64], kind[16];
    unsigned long long count = 0;
    double total = 0;
    if (std::sscanf(summary.c_str() + line_start, "%63s %15s %llu %lf", name, kind, &count,
                    &total) == 4)
      totals.push_back(total);
  }
  REQUIRE(totals.size() >= 3);
  CHECK(std::is_sorted(totals.rbegin(), totals.rend()));
}

TEST_CASE("Profiler: off records nothing; one at a time; a trace that cannot be written",
          "[profiler]") {
  auto f = kiln::function([](Tensor a) { return tanh(a) * 2.0f; });
  Tensor a = random_normal({8}, 1);
  const std::string path = temp_path("off");
  {
    Profiler profile(path);
    f(a);
    CHECK_THROWS_WITH(Profiler(), Catch::Contains("already recording"));
  }
  const size_t recorded = kiln::test::read_chrome_trace(path).size();
  // Off: calls and eager ops after the profiler stopped leave the events as they were.
  f(a);
  tanh(a);
  write_profile_trace(path);
  CHECK(kiln::test::read_chrome_trace(path).size() == recorded);
  std::remove(path.c_str());

  Profiler bad("/nonexistent-dir/trace.json");
  f(a);
  CHECK_THROWS_WITH(bad.stop(),
                    Catch::Contains("cannot write the trace to '/nonexistent-dir/trace.json'"));
  CHECK(bad.stop() == 0);  // stopped once
}

TEST_CASE("Profiler: an eager op's bytes are what its kernels read and wrote", "[profiler]") {
  Tensor a = random_normal({1000}, 1), b = random_normal({1000}, 2);
  Tensor m = random_normal({30, 40}, 3);
  const std::string path = temp_path("bytes");
  {
    Profiler profile(path);
    add(a, b);             // reads 2 × 4000 bytes, writes 4000
    reshape(m, {40, 30});  // a view of m's storage: nothing moves
    sum(m, 1);             // reads 4800, writes 120
    cast(a, DType::f64);   // reads 4000, writes 8000
    // An op that kiln runs as several kernels counts each one's traffic (at least the
    // input read and the output written once).
    softmax(m, -1);
  }
  std::vector<TraceEvent> ops;
  for (const TraceEvent& e : kiln::test::read_chrome_trace(path))
    if (e.category == "op") ops.push_back(e);
  std::remove(path.c_str());
  REQUIRE(ops.size() == 5);
  CHECK(ops[0].name == "add");
  CHECK(ops[0].bytes == 12000);
  CHECK(ops[1].name == "reshape");
  CHECK(ops[1].bytes == 0);
  CHECK(ops[2].name == "sum");
  CHECK(ops[2].bytes == 4920);
  CHECK(ops[3].name == "cast");
  CHECK(ops[3].bytes == 12000);
  CHECK(ops[4].name == "softmax");
  CHECK(ops[4].bytes >= 2 * 4800);
}
