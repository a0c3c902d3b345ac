#include "compiler/io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln::detail::files {
namespace {

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> read_file(const std::filesystem::path& path, uint64_t max_bytes,
                                     bool touch, std::string* why, bool* missing) {
  if (missing) *missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (missing) *missing = errno == ENOENT;
    *why = "cannot open it: " + errno_text();
    return std::nullopt;
  }
  struct stat st {};
  std::string bytes;
  if (::fstat(fd, &st) != 0) {
    *why = "cannot read it: " + errno_text();
  } else if (!S_ISREG(st.st_mode)) {
    *why = "not a regular file";
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    *why = std::to_string(st.st_size) + " bytes, over the limit of " + std::to_string(max_bytes);
  } else {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t at = 0;
    while (at < bytes.size()) {
      ssize_t n = ::read(fd, bytes.data() + at, bytes.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *why = n == 0 ? "it shrank while it was read" : "cannot read it: " + errno_text();
        break;
      }
      at += static_cast<size_t>(n);
    }
    if (at == bytes.size()) {
      if (touch) (void)::futimens(fd, nullptr);
      ::close(fd);
      return bytes;
    }
  }
  ::close(fd);
  return std::nullopt;
}

std::string replace_file(const std::filesystem::path& path, std::string_view bytes,
                         const std::string& temp_prefix) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string temp = (dir / (temp_prefix + "XXXXXX")).string();
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return "cannot create a temporary file for " + path.string() + ": " + errno_text();
  // mkostemp makes the file 0600; the file replaced is an ordinary one.
  const bool written = write_all(fd, bytes) && ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
  std::string error = written ? "" : errno_text();
  if (::close(fd) != 0 && error.empty()) error = errno_text();
  if (error.empty() && ::rename(temp.c_str(), path.c_str()) != 0) error = errno_text();
  if (!error.empty()) {
    ::unlink(temp.c_str());
    return "cannot write " + path.string() + ": " + error;
  }
  // The rename is durable once the folder is synced (a crash keeps the old file or this).
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    (void)::fsync(d);
    ::close(d);
  }
  return "";
}

}  // namespace kiln::detail::files
