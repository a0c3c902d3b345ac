// Seeded mutations of a valid file, the loaders' fuzz tests share them ([fuzz]: 10,000 per
// loader in the suite, scripts/fuzz.sh runs 10^6 under ASan/UBSan): bit flips, bytes set
// to JSON-meaningful characters, truncations, a rewritten length prefix, bytes appended.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace kiln::test {

/// 1 to 4 random edits of `b` (a file whose first 8 bytes are a little-endian length, as
/// safetensors files are; for other files that edit is one more kind of damage).
inline void mutate(std::string& b, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !b.empty(); ++e) {
    switch (rng() % 5) {
      case 0:  // a bit flip anywhere
        b[rng() % b.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // a byte after the length set to a JSON-meaningful character
        if (b.size() > 8) b[8 + rng() % (b.size() - 8)] = "{}[]\",:0123456789-e "[rng() % 21];
        break;
      case 2:  // truncated
        b.resize(rng() % b.size());
        break;
      case 3: {  // the length field rewritten
        uint64_t n = rng() % 2 ? rng() : rng() % (b.size() + 16);
        if (b.size() >= 8) std::memcpy(b.data(), &n, 8);
        break;
      }
      default:  // bytes appended
        b.append(rng() % 16, static_cast<char>(rng()));
    }
  }
}

/// The runs and seed of a fuzz test: KILN_FUZZ_RUNS (default `runs`) and KILN_FUZZ_SEED.
struct FuzzSettings {
  long runs;
  uint64_t seed;
  bool from_environment;  // KILN_FUZZ_RUNS was set: print the figures
};
inline FuzzSettings fuzz_settings(long runs, uint64_t seed) {
  const char* runs_text = std::getenv("KILN_FUZZ_RUNS");
  const char* seed_text = std::getenv("KILN_FUZZ_SEED");
  return {runs_text ? std::atol(runs_text) : runs,
          seed_text ? std::strtoull(seed_text, nullptr, 10) : seed, runs_text != nullptr};
}

}  // namespace kiln::test
