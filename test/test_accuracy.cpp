// The accuracy contract of ACCURACY.md on a sample: 10^5 inputs per function and dtype
// (every binade, subnormals, ±0, ±inf, NaN; rows for softmax/log_softmax/layer_norm), in
// eager mode, graph mode and the JIT, against long double references. kiln-accuracy
// measures 10^7 and writes the table; both read the bounds from tools/accuracy.cpp.
#include <catch2/catch.hpp>

#include "tools/accuracy.h"

using namespace kiln;
using namespace kiln::accuracy;

namespace {
constexpr uint64_t kSamples = 100000;
}

TEST_CASE("every floating-point function meets its ACCURACY.md bound in every mode", "[accuracy]") {
  uint64_t seed = 1001;  // not kiln-accuracy's seeds: other inputs than the table's
  auto check = [](const std::string& name, DType d, double bound, const Measurement& m) {
    INFO(name << " " << dtype_name(d) << " (bound " << bound << ")");
    CHECK(m.samples >= kSamples);
    for (int mode = 0; mode < kModes; ++mode) {
      INFO("mode " << kModeNames[mode] << ": worst " << m.worst[mode]);
      CHECK(m.max_error[mode] <= bound);
      CHECK(m.special_mismatches[mode] == 0);
    }
    INFO("first special mismatch: " << m.first_mismatch);
    CHECK(m.first_mismatch.empty());
  };
  for (const Elementwise& f : elementwise_functions()) {
    const Measurement m = measure(f, kSamples, seed++);
    check(f.name, f.dtype, f.bound, m);
    CHECK(m.modes_differ == 0);  // one implementation: bit for bit
  }
  for (const Rowwise& f : rowwise_functions())
    check(f.name, f.dtype, f.bound, measure(f, kSamples, seed++));
}
