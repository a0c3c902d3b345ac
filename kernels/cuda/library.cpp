#include "kernels/cuda/library.h"

#include <cstdlib>
#include <vector>

namespace kiln::kernels::cuda {

CudaLibrary::CudaLibrary(const char* env, const char* soname, const char* file) : what_(file) {
  std::vector<std::string> candidates;
  if (const char* path = std::getenv(env); path && *path) candidates.push_back(path);
  std::string name = soname;
  candidates.push_back(name);
  candidates.push_back(name.substr(0, name.rfind('.')) + ".12");  // a CUDA 12 toolkit
#ifdef KILN_CUDA_LIBRARY_DIR
  candidates.push_back(std::string(KILN_CUDA_LIBRARY_DIR) + "/" + file);
#endif
  std::string tried;
  for (const std::string& c : candidates) {
    // Kept loaded for the life of the process, like the driver.
    if ((lib_ = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL)) != nullptr) return;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  problem_ = what_ + " not found (tried " + tried + ")";
}

}  // namespace kiln::kernels::cuda
