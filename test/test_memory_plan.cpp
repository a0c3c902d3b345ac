// Memory planning of compiled functions: a plan frees each intermediate after its last
// use, so buffers are shared by liveness (the caching allocator hands a freed block to
// the next value of its size), and a loop or output fusion writes over a dead input.
// Checked through the allocator's count of live bytes during a cached call.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include "runtime/allocator.h"

using namespace kiln;

namespace {

constexpr int kLayers = 8;
constexpr int64_t kSide = 256;  // 256 x 256 f32: 256 KiB per value, its own size class
constexpr size_t kValueBytes = kSide * kSide * sizeof(float);

Tensor deep(const Tensor& x, const Tensor& w) {
  Tensor y = x;
  for (int i = 0; i < kLayers; ++i) y = tanh(matmul(y, w) * 0.5f) + y;
  return y;
}

/// Bytes held at the most at once during one cached call of `f`, beyond what was live
/// before it (the arguments, the weights, the plan's constants).
template <class F>
size_t peak_of_call(F& f, const Tensor& x, const Tensor& w) {
  f(x, w);  // trace, compile, and a first run
  const size_t before = runtime::host_memory_stats().live_bytes;
  runtime::reset_host_peak();
  Tensor out = f(x, w);
  return runtime::host_memory_stats().peak_live_bytes - before;
}

}  // namespace

TEST_CASE("a compiled function holds intermediates only while they are live", "[memory]") {
  Tensor x = random_normal({kSide, kSide}, 1), w = random_normal({kSide, kSide}, 2, 0, 0.05f);
  const Tensor want = deep(x, w);
  for (bool jit : {false, true}) {
    INFO("jit " << jit);
    FunctionOptions options;
    options.jit = jit;
    auto f = kiln::function(deep, options);
    const auto got = f(x, w).to_vector<float>(), expected = want.to_vector<float>();
    for (size_t i = 0; i < got.size(); i += 97)
      CHECK(got[i] == Approx(expected[i]).epsilon(1e-4).margin(1e-5));
    const size_t peak = peak_of_call(f, x, w);
    // 8 layers make 16+ values of 256 KiB; at any time a layer needs its input, the
    // product and the result (graph mode: the product, the scaled product, its tanh and
    // the input), so the peak stays a few values whatever the depth.
    const size_t bound = (jit ? 3 : 4) * kValueBytes;
    INFO("peak " << peak << " bytes, bound " << bound);
    CHECK(peak <= bound);
    CHECK(peak >= 2 * kValueBytes);  // the measurement sees the call's own values
  }
}

TEST_CASE("a loop updates its carried state in place", "[memory]") {
  // 64 iterations write one row each of a (64, 256, 256) stack (16 MiB): in place, a call
  // allocates about one stack (the first iteration copies the initial zeros, which the
  // plan keeps); copying the stack each iteration would allocate 64.
  constexpr int64_t kRows = 64;
  const size_t stack_bytes = kRows * kValueBytes;
  Tensor x = random_normal({kSide, kSide}, 3);
  auto fill = [](const Tensor& v) {
    return for_range(kRows,
                     [&](const Tensor& i, const std::vector<Tensor>& c) {
                       return std::vector<Tensor>{index_update(c[0], i, v * cast(i, DType::f32))};
                     },
                     {zeros({kRows, kSide, kSide})})
        .at(0);
  };
  const Tensor want = fill(x);
  for (bool jit : {false, true}) {
    FunctionOptions o;
    o.jit = jit;
    auto f = kiln::function(fill, o);
    f(x);
    const size_t before = runtime::host_memory_stats().allocated_bytes;
    Tensor got = f(x);
    const size_t allocated = runtime::host_memory_stats().allocated_bytes - before;
    INFO((jit ? "jit" : "graph mode") << ": allocated " << allocated << " bytes in a call");
    CHECK(allocated < 3 * stack_bytes);
    const bool same = got.to_vector<float>() == want.to_vector<float>();  // bit for bit
    CHECK(same);
  }
}
