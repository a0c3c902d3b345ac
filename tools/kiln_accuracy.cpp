// kiln-accuracy: measures every floating-point function of kiln against long double
// references, eagerly, in graph mode and with the JIT, and writes ACCURACY.md's table.
//
//   kiln-accuracy [--samples N] [--out FILE] [--only NAME]
//
// N inputs per function and dtype (default 10^7: every binade of the dtype, ±0,
// subnormals, ±inf, NaN); rows for softmax/log_softmax/layer_norm. Exit 1 if a measurement
// exceeds its stated bound (tools/accuracy.cpp), or a special value comes out wrong.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "accuracy.h"
#include "kiln/version.h"

int main(int argc, char** argv) {
  using namespace kiln::accuracy;
  uint64_t samples = 10'000'000;
  std::string out, only;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> const char* {
      if (a == flag && i + 1 < argc) return argv[++i];
      if (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '=')
        return argv[i] + flag.size() + 1;
      return nullptr;
    };
    if (const char* n = value("--samples"))
      samples = std::strtoull(n, nullptr, 10);
    else if (const char* path = value("--out"))
      out = path;
    else if (const char* name = value("--only"))
      only = name;
    else if (a == "--version") {
      std::cout << "kiln-accuracy (kiln) " << kiln::version() << "\n";
      return 0;
    } else {
      std::cerr << "usage: kiln-accuracy [--samples N] [--out FILE] [--only NAME] [--version]\n";
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  bool failed = false;
  auto verdict = [&](const std::string& name, kiln::DType d, double bound, const Measurement& m,
                     const char* unit, double seconds) {
    const bool over = m.max_error[0] > bound || m.max_error[1] > bound || m.max_error[2] > bound;
    const uint64_t specials =
        m.special_mismatches[0] + m.special_mismatches[1] + m.special_mismatches[2];
    failed = failed || over || specials > 0;
    std::cout << name << " " << kiln::dtype_name(d) << ": " << m.samples << " samples, max "
              << m.max_error[0] << " / " << m.max_error[1] << " / " << m.max_error[2] << " " << unit
              << " (eager / graph / jit; bound " << bound << ")" << (over ? "  OVER THE BOUND" : "")
              << (specials ? "  SPECIALS WRONG: " + m.first_mismatch : "") << "; modes differ on "
              << m.modes_differ << " elements; " << seconds << " s" << std::endl;
    if (over || std::getenv("KILN_ACCURACY_VERBOSE"))
      for (int mode = 0; mode < kModes; ++mode)
        std::cout << "  worst (" << kModeNames[mode] << "): " << m.worst[mode] << std::endl;
  };
  using Clock = std::chrono::steady_clock;
  std::vector<Measurement> ew, rw;
  uint64_t seed = 1;
  for (const Elementwise& f : elementwise_functions()) {
    if (!only.empty() && f.name != only) {
      ew.emplace_back();
      continue;
    }
    const auto t0 = Clock::now();
    ew.push_back(measure(f, samples, seed++));
    verdict(f.name, f.dtype, f.bound, ew.back(), "ulp",
            std::chrono::duration<double>(Clock::now() - t0).count());
  }
  for (const Rowwise& f : rowwise_functions()) {
    if (!only.empty() && f.name != only) {
      rw.emplace_back();
      continue;
    }
    const auto t0 = Clock::now();
    rw.push_back(measure(f, samples, seed++));
    verdict(f.name, f.dtype, f.bound, rw.back(), "eps",
            std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const std::string text = report(ew, rw, samples);
  if (!out.empty()) {
    std::ofstream(out) << text;
    std::cout << "wrote " << out << "\n";
  } else {
    std::cout << text;
  }
  return failed ? 1 : 0;
}
