// kiln-bench: what the machine is, and the progress line on stderr.
#pragma once

#include <string>

namespace kiln_bench {

/// "model name" of /proc/cpuinfo (the first CPU), or "unknown".
std::string cpu_model();
/// The kernel OpenBLAS chose for this CPU (or was told to use by OPENBLAS_CORETYPE).
std::string blas_core();
/// Why OpenBLAS's `core` is slower than this CPU allows (older kernels than its vector
/// width), or "" when it fits.
std::string blas_core_warning(const std::string& core);

/// The one-line progress display on stderr: "\r[W3 eager] 3/5" on a terminal, a plain
/// line per finished step elsewhere (so logs stay readable).
class Progress {
 public:
  Progress();
  void show(const std::string& what, int done, int total);
  void note(const std::string& what);  // a step without counts ("checking")
  void clear();                        // erase the line before the results print

 private:
  bool tty_;
  bool dirty_ = false;
};

}  // namespace kiln_bench
