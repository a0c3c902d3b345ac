// The compile cache's folder and entry files (compiler/pipeline/compile_cache.h).
#include "compiler/pipeline/compile_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>

#include "compiler/io/files.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/xxhash.h"

namespace kiln::detail::compile_cache {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'J', 'I', 'T', '\x1a'};
constexpr uint32_t kFormatVersion = 3;
constexpr const char* kSuffix = ".kjit";
constexpr const char* kTempPrefix = ".tmp-";
constexpr uint64_t kDefaultMaxBytes = uint64_t(1) << 30;
// A temporary file this old belongs to a write that died (a write takes milliseconds).
constexpr auto kStaleTemporary = std::chrono::minutes(10);
constexpr size_t kHeaderBytes = sizeof kMagic + 4 + 4 + 32 + 8;
constexpr size_t kDigestBytes = 16;

std::string errno_text() { return std::strerror(errno); }

/// Warns once per process about `what` (the folder's problems repeat at every compile).
void warn_once(const std::string& what) {
  static std::mutex mutex;
  static std::set<std::string> said;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!said.insert(what).second) return;
  }
  warn(what);
}

std::optional<uint64_t> parse_size(const char* text) {
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(text, &end, 10);
  if (end == text || errno != 0 || *text == '-') return std::nullopt;
  uint64_t scale = 1;
  if (*end == 'K' || *end == 'k') scale = uint64_t(1) << 10;
  if (*end == 'M' || *end == 'm') scale = uint64_t(1) << 20;
  if (*end == 'G' || *end == 'g') scale = uint64_t(1) << 30;
  if (scale != 1) ++end;
  if (*end != '\0' || n > UINT64_MAX / scale) return std::nullopt;
  return n * scale;
}

uint64_t size_from_env(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  if (auto n = parse_size(text)) return *n;
  warn_once(std::string(name) + "='" + text + "' is not a size (bytes, or with K, M or G); using " +
            std::to_string(fallback));
  return fallback;
}

/// Makes the folder if needed and says what, if anything, rules it out.
std::optional<std::string> unusable(const fs::path& dir) {
  std::error_code ec;
  if (fs::create_directories(dir, ec))
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return "cannot make or read it: " + errno_text();
  if (!S_ISDIR(st.st_mode)) return "it is not a folder";
  if (st.st_uid != ::geteuid())
    return "it belongs to another user (uid " + std::to_string(st.st_uid) + ")";
  if ((st.st_mode & S_IWOTH) != 0) return "every user may write to it";
  return std::nullopt;
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_bytes(std::string& out, std::string_view bytes) {
  put_u64(out, bytes.size());
  out += bytes;
}
void put_list(std::string& out, const std::vector<std::string>& list) {
  put_u64(out, list.size());
  for (const std::string& s : list) put_bytes(out, s);
}

/// Reads what put_* wrote, never past the end: a short or inconsistent input fails.
struct Reader {
  std::string_view data;
  size_t at = 0;
  bool ok = true;
  uint64_t u(int bytes) {
    if (!ok || data.size() - at < static_cast<size_t>(bytes)) return ok = false, 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(static_cast<uint8_t>(data[at + i])) << (8 * i);
    at += bytes;
    return v;
  }
  std::string_view raw(uint64_t n) {
    if (!ok || data.size() - at < n) return ok = false, std::string_view();
    std::string_view s = data.substr(at, n);
    at += n;
    return s;
  }
  std::string bytes() { return std::string(raw(u(8))); }
  std::vector<std::string> list() {
    uint64_t n = u(8);
    if (n > (data.size() - at) / 8) return ok = false, std::vector<std::string>();
    std::vector<std::string> out;
    for (uint64_t i = 0; ok && i < n; ++i) out.push_back(bytes());
    return out;
  }
};

std::array<uint8_t, kDigestBytes> digest(std::string_view bytes) {
  llvm::XXH128_hash_t h = llvm::xxh3_128bits(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  std::array<uint8_t, kDigestBytes> out{};
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(h.low64 >> (8 * i));
    out[8 + i] = static_cast<uint8_t>(h.high64 >> (8 * i));
  }
  return out;
}

fs::path entry_path(const Config& config, const Key& key) {
  return config.dir / (hex(key) + kSuffix);
}

std::optional<Key> key_of_name(const std::string& name) {
  if (name.size() != 64 + std::strlen(kSuffix) || !name.ends_with(kSuffix)) return std::nullopt;
  Key key{};
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned v = 0;
    if (std::sscanf(name.c_str() + 2 * i, "%2x", &v) != 1) return std::nullopt;
    key[i] = static_cast<uint8_t>(v);
  }
  return hex(key) + kSuffix == name ? std::optional<Key>(key) : std::nullopt;
}

struct FileInfo {
  fs::path path;
  uint64_t bytes;
  fs::file_time_type mtime;
};

/// Holds the folder's lock file (flock) for its lifetime: trimming and clearing exclude
/// each other across processes; reads and writes need no lock (rename is atomic).
class FolderLock {
 public:
  explicit FolderLock(const fs::path& dir)
      : fd_(::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_;
};

/// Entries and temporary files in the folder (others are left alone).
void list(const Config& config, std::vector<FileInfo>* entries, std::vector<FileInfo>* temporary) {
  std::error_code ec;
  for (fs::directory_iterator it(config.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool entry = key_of_name(name).has_value();
    const bool temp = name.starts_with(kTempPrefix);
    if (!entry && !temp) continue;
    std::error_code e1, e2;
    uint64_t bytes = it->file_size(e1);
    fs::file_time_type mtime = it->last_write_time(e2);
    if (e1 || e2) continue;  // gone meanwhile
    (entry ? entries : temporary)->push_back({it->path(), bytes, mtime});
  }
}

/// Drops the least recently used entries past the bounds, and dead writes' temporaries.
void trim(const Config& config) {
  FolderLock lock(config.dir);
  std::vector<FileInfo> entries, temporary;
  list(config, &entries, &temporary);
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (const FileInfo& t : temporary)
    if (now - t.mtime > kStaleTemporary) fs::remove(t.path, ec);
  std::sort(entries.begin(), entries.end(), [](const FileInfo& a, const FileInfo& b) {
    return a.mtime != b.mtime ? a.mtime > b.mtime : a.path < b.path;  // most recent first
  });
  uint64_t bytes = 0, count = 0;
  for (const FileInfo& e : entries) {
    bytes += e.bytes;
    ++count;
    if (bytes > config.max_bytes || (config.max_entries != 0 && count > config.max_entries))
      fs::remove(e.path, ec);
  }
}

/// Whether this store should trim the folder. Trimming lists (stats) every file under the
/// folder's lock: at every store, a folder of 25,000 entries made each compile ~20 ms
/// slower and a test run of 10,000 compiles 10x longer. So a process trims at its first
/// store, then after 64 stores or 1/16 of a bound written since its last trim (every store
/// for small bounds): the folder overshoots its bounds by at most that much between trims.
bool trim_due(const Config& config, uint64_t stored_bytes) {
  static std::mutex mutex;
  static uint64_t stores = 0, bytes = 0;
  static bool first = true;
  std::lock_guard<std::mutex> lock(mutex);
  ++stores;
  bytes += stored_bytes;
  const bool due = first || stores >= 64 || bytes * 16 >= config.max_bytes ||
                   (config.max_entries != 0 && stores * 16 >= config.max_entries);
  if (due) {
    first = false;
    stores = 0;
    bytes = 0;
  }
  return due;
}

}  // namespace

void warn(const std::string& what) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::cerr << "kiln: compile cache: " << what << std::endl;
}

TestHooks& test_hooks() {
  static TestHooks hooks;
  return hooks;
}

Config config() {
  Config c;
  const char* dir = std::getenv("KILN_CACHE_DIR");
  if (dir != nullptr && *dir != '\0') {
    if (std::string_view(dir) == "off") return c;
    c.dir = dir;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
    c.dir = fs::path(xdg) / "kiln";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    c.dir = fs::path(home) / ".cache" / "kiln";
  } else {
    warn_once("no KILN_CACHE_DIR, XDG_CACHE_HOME or HOME: the cache is off");
    return c;
  }
  if (auto why = unusable(c.dir)) {
    warn_once("not using " + c.dir.string() + ": " + *why + " (the cache is off)");
    return c;
  }
  c.max_bytes = size_from_env("KILN_CACHE_MAX_BYTES", kDefaultMaxBytes);
  c.max_entries = size_from_env("KILN_CACHE_MAX_ENTRIES", 0);
  c.enabled = true;
  return c;
}

std::string hex(const Key& key) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : key) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

struct KeyBuilder::State {
  llvm::SHA256 sha;
};
KeyBuilder::KeyBuilder() : state_(new State) {}
KeyBuilder::~KeyBuilder() { delete state_; }
KeyBuilder& KeyBuilder::add(std::string_view part) {
  std::string length;
  put_u64(length, part.size());
  state_->sha.update(length);
  state_->sha.update(llvm::StringRef(part.data(), part.size()));
  return *this;
}
Key KeyBuilder::finish() { return state_->sha.final(); }

std::string encode(const Key& key, const Record& record) {
  std::string body;
  put_bytes(body, record.locations);
  put_bytes(body, record.optimized);
  put_bytes(body, record.graph);
  put_list(body, record.kernels);
  put_list(body, record.objects);
  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kFormatVersion);
  put_u32(out, 0);
  out.append(reinterpret_cast<const char*>(key.data()), key.size());
  put_u64(out, body.size());
  out += body;
  const auto d = digest(out);
  out.append(reinterpret_cast<const char*>(d.data()), d.size());
  return out;
}

std::optional<Record> decode(std::string_view bytes, const Key* expected, std::string* why) {
  auto fail = [&](const char* what) {
    if (why) *why = what;
    return std::nullopt;
  };
  if (bytes.size() < kHeaderBytes + kDigestBytes) return fail("shorter than a header");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return fail("not a kiln cache entry");
  const std::string_view covered = bytes.substr(0, bytes.size() - kDigestBytes);
  const auto d = digest(covered);
  if (std::memcmp(d.data(), bytes.data() + covered.size(), kDigestBytes) != 0)
    return fail("its digest does not match its contents (truncated or corrupted)");
  Reader r{covered, sizeof kMagic};
  if (r.u(4) != kFormatVersion) return fail("another format version");
  r.u(4);
  std::string_view key = r.raw(32);
  if (expected && (!r.ok || std::memcmp(key.data(), expected->data(), 32) != 0))
    return fail("it holds another key than its name");
  if (r.u(8) != covered.size() - kHeaderBytes) return fail("its length field is wrong");
  Record record;
  record.locations = r.bytes();
  record.optimized = r.bytes();
  record.graph = r.bytes();
  record.kernels = r.list();
  record.objects = r.list();
  if (!r.ok || r.at != covered.size()) return fail("its fields do not add up");
  return record;
}

std::optional<Record> load(const Config& config, const Key& key) {
  if (!config.enabled) return std::nullopt;
  const fs::path path = entry_path(config, key);
  bool missing = false;
  std::string why;
  std::optional<std::string> bytes =
      files::read_file(path, UINT64_MAX, /*touch=*/true, &why, &missing);
  if (!bytes) {
    if (!missing) warn("cannot read " + path.string() + ": " + why + "; compiling again");
    return std::nullopt;
  }
  std::optional<Record> record = decode(*bytes, &key, &why);
  if (!record) {
    warn("the entry " + path.string() + " is damaged (" + why + "): removed; compiling again");
    std::error_code ec;
    fs::remove(path, ec);
  }
  return record;
}

void store(const Config& config, const Key& key, const Record& record) {
  if (!config.enabled) return;
  const std::string bytes = encode(key, record);
  const std::string error = files::replace_file(entry_path(config, key), bytes,
                                                kTempPrefix + hex(key).substr(0, 16) + "-");
  if (!error.empty()) {
    warn(error);
    return;
  }
  if (trim_due(config, bytes.size())) trim(config);
}

FolderStats stats(const Config& config) {
  FolderStats s;
  if (!config.enabled) return s;
  std::vector<FileInfo> entries, temporary;
  list(config, &entries, &temporary);
  for (const FileInfo& e : entries) s.bytes += e.bytes;
  s.entries = entries.size();
  s.temporary = temporary.size();
  return s;
}

uint64_t clear(const Config& config) {
  if (!config.enabled) return 0;
  FolderLock lock(config.dir);
  std::vector<FileInfo> entries, temporary;
  list(config, &entries, &temporary);
  uint64_t removed = 0;
  std::error_code ec;
  for (const auto* files : {&entries, &temporary})
    for (const FileInfo& f : *files) removed += fs::remove(f.path, ec);
  return removed;
}

Verified verify(const Config& config) {
  Verified v;
  if (!config.enabled) return v;
  std::vector<FileInfo> entries, temporary;
  list(config, &entries, &temporary);
  for (const FileInfo& e : entries) {
    const std::string name = e.path.filename().string();
    const Key key = *key_of_name(name);
    bool missing = false;
    std::string why;
    std::optional<std::string> bytes =
        files::read_file(e.path, UINT64_MAX, /*touch=*/false, &why, &missing);
    if (!bytes && missing) continue;  // removed meanwhile
    if (bytes && decode(*bytes, &key, &why)) {
      ++v.good;
      continue;
    }
    v.damaged.push_back(name + ": " + why);
    std::error_code ec;
    fs::remove(e.path, ec);
  }
  return v;
}

}  // namespace kiln::detail::compile_cache
