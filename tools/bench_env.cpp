#include "bench_env.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

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
