#include "kernels/cpu/openblas.h"

#include <dlfcn.h>

#include <cstdlib>

#include "kiln/error.h"

namespace kiln::kernels::cpu {
namespace {

/// The newest OpenBLAS kernels this CPU runs: SkylakeX's (AVX-512 F, BW, DQ, VL), Haswell's
/// (AVX2, FMA), or none (then OpenBLAS's own choice stands).
const char* kernels_for_this_cpu() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
}

/// RTLD_DEEPBIND where it may be used. OpenBLAS's 14,000 symbol relocations (its kernel
/// tables, one per CPU it supports) then resolve within OpenBLAS instead of walking every
/// library of the process first: in a process with kiln's libraries (MLIR, LLVM, MPI, ...)
/// loading took 6 ms, with deep binding 2.4 ms, as in a bare program. It also keeps
/// OpenBLAS's calls to itself inside it when the program carries another BLAS. The
/// sanitizers' runtimes refuse deep binding (they must see every malloc): not under them.
int deep_binding() {
  for (const char* runtime : {"__asan_init", "__tsan_init", "__msan_init", "__hwasan_init"})
    if (dlsym(RTLD_DEFAULT, runtime) != nullptr) return 0;
  return RTLD_DEEPBIND;
}

template <class Fn>
void get(void* lib, Fn& fn, const char* name, std::string& problem) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (fn == nullptr && problem.empty()) problem = std::string("OpenBLAS lacks ") + name;
}

OpenBlas load() {
  // Before OpenBLAS is loaded: it reads the variable once, while it initializes. The user's
  // own setting (CI sets Haswell) wins. A process that loaded OpenBLAS already (linked by
  // the program) keeps the kernels it chose then.
  const char* kernels = kernels_for_this_cpu();
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr && kernels != nullptr)
    setenv("OPENBLAS_CORETYPE", kernels, /*overwrite=*/0);
  const char* path = std::getenv("KILN_OPENBLAS");
  const std::string name = path != nullptr ? path : "libopenblas.so.0";
  void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL | deep_binding());
  if (lib == nullptr) {
    const char* why = dlerror();
    throw Error("[matmul] cannot load OpenBLAS (" + name + "): " + (why ? why : "unknown"));
  }
  OpenBlas blas;
  std::string problem;
  get(lib, blas.sgemm, "cblas_sgemm", problem);
  get(lib, blas.dgemm, "cblas_dgemm", problem);
  get(lib, blas.set_num_threads, "openblas_set_num_threads", problem);
  get(lib, blas.get_corename, "openblas_get_corename", problem);
  if (!problem.empty()) throw Error("[matmul] " + problem + " (" + name + ")");
  return blas;
}

}  // namespace

const OpenBlas& openblas() {
  static const OpenBlas blas = load();  // a failed load throws, and is tried again next time
  return blas;
}

std::string openblas_core() {
  const char* core = openblas().get_corename();
  return core != nullptr ? core : "unknown";
}

}  // namespace kiln::kernels::cpu
