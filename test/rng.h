// The random numbers of kiln's random testers (test_jit_random.cpp, test_edges_random.cpp):
// std::mt19937_64 with the draws spelled out here. The standard distributions (and
// std::shuffle) differ between standard libraries, the raw engine does not, so a seed gives
// the same program and inputs everywhere.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

namespace kt {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  /// [0, n), n >= 1 (the modulo bias is far below anything a test could notice).
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  int range(int lo, int hi) { return lo + below(hi - lo + 1); }
  /// [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  bool coin(double prob) { return unit() < prob; }
  template <class T>
  T pick(std::initializer_list<T> xs) {
    return *(xs.begin() + below(static_cast<int>(xs.size())));
  }
  template <class T>
  void shuffle(std::vector<T>& v) {  // Fisher-Yates
    for (size_t i = v.size(); i > 1; --i)
      std::swap(v[i - 1], v[static_cast<size_t>(below(static_cast<int>(i)))]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace kt
