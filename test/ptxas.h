// Validating generated PTX with the CUDA toolkit's assembler (no GPU needed), for the
// tests that check GPU codegen. Header-only: shared by kiln_tests and the gpu test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kt {

/// ptxas of the CUDA toolkit ($CUDA_HOME, $CUDA_PATH, /usr/local/cuda), or "".
inline std::string find_ptxas() {
  std::vector<std::string> roots;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* v = std::getenv(var); v && *v) roots.push_back(v);
  roots.push_back("/usr/local/cuda");
  for (const auto& root : roots) {
    auto p = std::filesystem::path(root) / "bin" / "ptxas";
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  return "";
}

/// Writes `ptx` to `<temp>/kiln_ptx_test/<name>.ptx` and assembles it for sm_90; false
/// (with the file's path in `where`) when ptxas rejects it.
inline bool ptxas_accepts(const std::string& ptxas, const std::string& ptx, const std::string& name,
                          std::string& where) {
  const auto dir = std::filesystem::temp_directory_path() / "kiln_ptx_test";
  std::filesystem::create_directories(dir);
  const auto file = dir / (name + ".ptx");
  std::ofstream(file) << ptx;
  where = file.string();
  const std::string command = ptxas + " -arch=sm_90 " + file.string() + " -o " +
                              (dir / (name + ".cubin")).string() + " 2>&1";
  return std::system(command.c_str()) == 0;
}

}  // namespace kt
