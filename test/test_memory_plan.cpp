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
