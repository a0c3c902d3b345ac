// The persistent compile cache's store (no MLIR here): where it lives, what one entry
// holds, and reading, writing and bounding entries safely when several processes share the
// folder. What goes into a key and how an entry becomes a concrete function is
// compiler/pipeline/cached_compile.h.
//
// One entry is one file `<key>.kjit`: a magic, the format version, the key, the record, and
// an xxh3-128 digest of all that; written as a temporary file, fsynced and renamed into
// place, so a reader sees a whole entry or none. Anything wrong with the folder or an
// entry is a warning on std::cerr and a recompile: never a crash, never wrong code.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::detail::compile_cache {

/// The cache as the environment asks for it, read at each use (so a program, or a test,
/// may change it while running):
///   KILN_CACHE_DIR        the folder (default $XDG_CACHE_HOME/kiln, else ~/.cache/kiln);
///                         "off" turns the cache off
///   KILN_CACHE_MAX_BYTES  bound on the entries' total size, with an optional K, M or G
///                         suffix (default 1G); least recently used entries go first
///   KILN_CACHE_MAX_ENTRIES bound on their number (default: none)
struct Config {
  bool enabled = false;
  std::filesystem::path dir;
  uint64_t max_bytes = 0;
  uint64_t max_entries = 0;  // 0: no bound
};
/// The configuration now. A folder that cannot be made, is not a folder, is not owned by
/// this user or is writable by everyone gives a disabled cache and a warning (once per
/// folder and process).
Config config();

using Key = std::array<uint8_t, 32>;  // SHA-256
std::string hex(const Key& key);

/// SHA-256 over length-prefixed parts: ("ab", "c") and ("a", "bc") differ.
class KeyBuilder {
 public:
  KeyBuilder();
  ~KeyBuilder();
  KeyBuilder(const KeyBuilder&) = delete;
  KeyBuilder& operator=(const KeyBuilder&) = delete;
  KeyBuilder& add(std::string_view part);
  Key finish();

 private:
  struct State;
  State* state_;
};

/// One compiled concrete function as stored.
struct Record {
  std::string locations;             // digest of the traced graph with its source locations
  std::string optimized;             // Stage::optimized's text (later stages are remade from it)
  std::string graph;                 // the compiled graph (fusions naming kernels), MLIR bytecode
  std::vector<std::string> kernels;  // the kernels `objects` define
  std::vector<std::string> objects;  // their native code (none when there are no kernels)
  bool operator==(const Record&) const = default;
};

/// The entry for `key`, or nothing when there is none. A damaged entry (truncated, a
/// flipped bit, another format) is removed with a warning and reads as none. A hit marks
/// the entry used (its mtime), for the bound's LRU order.
std::optional<Record> load(const Config& config, const Key& key);

/// Writes the entry for `key` atomically, then trims the folder to the bounds. A failure
/// (a full disk, a read-only folder) is a warning; the entry is then absent.
void store(const Config& config, const Key& key, const Record& record);

/// The entry file's bytes and their decoding (exposed for kiln-cache verify and tests).
std::string encode(const Key& key, const Record& record);
/// Nothing when the bytes are not a whole, undamaged entry; `why` says what is wrong.
std::optional<Record> decode(std::string_view bytes, const Key* expected, std::string* why);

struct FolderStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t temporary = 0;  // files of writes in flight, or of a process that died mid-write
};
FolderStats stats(const Config& config);
/// Removes every entry and temporary file; returns how many files went.
uint64_t clear(const Config& config);
struct Verified {
  uint64_t good = 0;
  std::vector<std::string> damaged;  // file name: what is wrong (each removed)
};
/// Reads every entry whole and checks it; removes the damaged ones.
Verified verify(const Config& config);

/// Test hooks: stand-ins for the compiler's fingerprint and the host CPU's features in the
/// key, as another build of kiln or another CPU would have them (empty: the real ones).
struct TestHooks {
  std::string fingerprint;
  std::string cpu_features;
};
TestHooks& test_hooks();

/// A warning on std::cerr ("kiln: compile cache: ...").
void warn(const std::string& what);

}  // namespace kiln::detail::compile_cache
