// Whole-file reads and atomic replacement, shared by the persistent compile cache
// (compiler/pipeline/compile_cache.cpp) and checkpoint files (compiler/io/safetensors.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::detail::files {

/// The whole regular file at `path`, or nothing with `*why` set (the system's reason, or
/// that it is not a regular file or is over `max_bytes`); `*missing` says whether it does
/// not exist. With `touch`, its modification time becomes now (the compile cache's LRU).
std::optional<std::string> read_file(const std::filesystem::path& path, uint64_t max_bytes,
                                     bool touch, std::string* why, bool* missing = nullptr);

/// Replaces `path` by `bytes` atomically: a temporary file in the same folder named
/// `temp_prefix` + six random characters, written, flushed to disk, renamed over `path`,
/// then the folder flushed, so that a crash leaves the old file or the new one, never a
/// part. Returns "" on success, else the reason; a failure leaves `path` as it was and no
/// temporary file.
std::string replace_file(const std::filesystem::path& path, std::string_view bytes,
                         const std::string& temp_prefix);

}  // namespace kiln::detail::files
