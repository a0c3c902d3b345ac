#include "bench_env.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "kernels/cpu/openblas.h"

namespace kiln_bench {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon == std::string::npos) break;
      auto start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? "unknown" : line.substr(start);
    }
  }
  return "unknown";
}

std::string blas_core() { return kiln::kernels::cpu::openblas_core(); }

std::string blas_core_warning(const std::string& core) {
  // OpenBLAS's kernels from the oldest: a CPU it does not know gets Prescott's (SSE3).
  static const char* const kOld[] = {"Prescott",    "Core2",     "Penryn",
                                     "Dunnington",  "Nehalem",   "Atom",
                                     "Sandybridge", "Barcelona", "Bulldozer"};
  const bool old = std::find(std::begin(kOld), std::end(kOld), core) != std::end(kOld);
  const bool avx512 = __builtin_cpu_supports("avx512f") != 0;
  const bool avx2 = __builtin_cpu_supports("avx2") != 0;
  if (old && (avx2 || avx512))
    return "OpenBLAS runs its " + core + " kernels on a CPU with " + (avx512 ? "AVX-512" : "AVX2") +
           " (it does not know this CPU, or OPENBLAS_CORETYPE says so): GEMM figures are far "
           "below the machine's; OPENBLAS_CORETYPE=" +
           (avx512 ? "SkylakeX" : "Haswell") + " selects the right ones";
  if (core == "Haswell" && avx512)
    return "OpenBLAS runs its Haswell (AVX2) kernels on an AVX-512 CPU (OPENBLAS_CORETYPE?): "
           "GEMM figures are about half the machine's";
  return "";
}

Progress::Progress() : tty_(isatty(STDERR_FILENO) != 0) {}

void Progress::show(const std::string& what, int done, int total) {
  if (tty_) {
    std::fprintf(stderr, "\r\033[K[%s] %d/%d", what.c_str(), done, total);
    dirty_ = true;
  } else if (done == total) {
    std::fprintf(stderr, "[%s] %d/%d\n", what.c_str(), done, total);
  }
  std::fflush(stderr);
}

void Progress::note(const std::string& what) {
  if (tty_) {
    std::fprintf(stderr, "\r\033[K[%s]", what.c_str());
    dirty_ = true;
  } else {
    std::fprintf(stderr, "[%s]\n", what.c_str());
  }
  std::fflush(stderr);
}

void Progress::clear() {
  if (tty_ && dirty_) std::fprintf(stderr, "\r\033[K");
  dirty_ = false;
  std::fflush(stderr);
}

}  // namespace kiln_bench
