// The CUDA toolkit's libraries (cuBLAS, cuBLASLt), found at run time like the driver: a
// machine without them still builds and runs kiln, and a missing one is an error that
// names what was tried rather than a program that does not start.
#pragma once

#include <dlfcn.h>

#include <string>

namespace kiln::kernels::cuda {

/// A loaded library and the entry points looked up in it.
class CudaLibrary {
 public:
  /// Opens $`env` if set, else `soname` ("libcublas.so.13"), its CUDA 12 name, then
  /// `file` in the toolkit kiln was built against. `problem()` says why when none loads.
  CudaLibrary(const char* env, const char* soname, const char* file);
  /// Looks `name` up into `fn`; a missing one becomes the problem.
  template <class Fn>
  void get(Fn& fn, const char* name) {
    fn = lib_ ? reinterpret_cast<Fn>(dlsym(lib_, name)) : nullptr;
    if (fn == nullptr && problem_.empty()) problem_ = what_ + " lacks " + name;
  }
  /// Why the library cannot be used ("" when every entry point looked up was found).
  const std::string& problem() const { return problem_; }

 private:
  void* lib_ = nullptr;
  std::string what_, problem_;
};

}  // namespace kiln::kernels::cuda
