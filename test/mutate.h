// Seeded mutations of a valid file, the loaders' fuzz tests share them ([fuzz]: 10,000 per
// loader in the suite, scripts/fuzz.sh runs 10^6 under ASan/UBSan): bit flips, bytes set
// to JSON-meaningful characters, truncations, a rewritten length prefix, bytes appended.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <utility>

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

/// 1 to 4 edits of a text a parser reads (a JSON manifest, MLIR): besides bytes flipped or
/// set to syntax characters, the edits a writer of a lying file makes: a number replaced by
/// an edge (0, -1, 2^31, 2^63-1, a long run of digits), a line deleted or repeated, a slice
/// moved, one kiln op's name put in another's place.
inline void mutate_text(std::string& s, std::mt19937_64& rng) {
  static const char* const kNumbers[] = {"0", "1", "-1", "2", "3", "7", "2147483648",
                                         "9223372036854775807", "18446744073709551617",
                                         "99999999999999999999999", "1e308", "-0"};
  static const char* const kOps[] = {"kiln.exp",      "kiln.add",     "kiln.matmul",
                                     "kiln.reshape",  "kiln.sum",     "kiln.constant",
                                     "kiln.read_variable", "kiln.assign_variable", "kiln.fusion",
                                     "kiln.broadcast_to",  "kiln.transpose",       "kiln.cast"};
  auto line_bounds = [&](size_t at) {
    size_t begin = s.rfind('\n', at), end = s.find('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    end = end == std::string::npos ? s.size() : end + 1;
    return std::pair<size_t, size_t>{begin, end};
  };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = rng() % s.size();
    switch (rng() % 7) {
      case 0:
        s[at] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        s[at] = "{}[]<>()\",:x0123456789-%^#!"[rng() % 28];
        break;
      case 2: {  // the number at or after `at` replaced
        const size_t begin = s.find_first_of("0123456789", at);
        if (begin == std::string::npos) break;
        const size_t end = s.find_first_not_of("0123456789", begin);
        s.replace(begin, (end == std::string::npos ? s.size() : end) - begin,
                  kNumbers[rng() % std::size(kNumbers)]);
        break;
      }
      case 3: {  // a line deleted
        auto [begin, end] = line_bounds(at);
        s.erase(begin, end - begin);
        break;
      }
      case 4: {  // a line repeated
        auto [begin, end] = line_bounds(at);
        s.insert(end, s.substr(begin, end - begin));
        break;
      }
      case 5: {  // a slice moved elsewhere
        const size_t n = std::min<size_t>(1 + rng() % 64, s.size() - at);
        std::string slice = s.substr(at, n);
        s.erase(at, n);
        s.insert(rng() % (s.size() + 1), slice);
        break;
      }
      default: {  // a kiln op renamed to another
        const size_t begin = s.find("kiln.", at);
        if (begin == std::string::npos) break;
        const size_t end = s.find_first_of(" \"(<{", begin);
        s.replace(begin, (end == std::string::npos ? s.size() : end) - begin,
                  kOps[rng() % std::size(kOps)]);
      }
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
