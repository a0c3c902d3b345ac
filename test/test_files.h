// Files for the tests of kiln's file formats (checkpoints, saved functions): a temporary
// folder removed with its contents, whole-file reads and writes, test/data, and element
// bytes for comparing what a file held with what was saved bit for bit.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <kiln/kiln.h>

namespace kiln::test {

/// A fresh folder under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() { std::filesystem::create_directories(path_); }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int next() {
    static int n = 0;
    return n++;
  }
  std::filesystem::path path_ =
      std::filesystem::temp_directory_path() /
      ("kiln-test-" + std::to_string(::getpid()) + "-" + std::to_string(next()));
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// A tensor's element bytes (host storage), for bitwise comparisons.
inline std::string bits(const kiln::Tensor& t) {
  return std::string(static_cast<const char*>(t.data()),
                     static_cast<size_t>(t.numel()) * kiln::dtype_size(t.dtype()));
}
/// A variable's value's element bytes.
inline std::string bits(const kiln::Variable& v) { return bits(v.value()); }

/// test/data (files written by earlier versions that must load forever):
/// KILN_TEST_DATA_DIR (ctest sets it), else beside this header.
inline std::string test_data_dir() {
  if (const char* dir = std::getenv("KILN_TEST_DATA_DIR")) return dir;
  return (std::filesystem::path(__FILE__).parent_path() / "data").string();
}

}  // namespace kiln::test
