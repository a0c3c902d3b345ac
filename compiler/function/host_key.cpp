// Reading FlatArgs::key back: a sequence of "<kind><text>;" entries (ArgCodec in
// kiln/function.h). Strings are "s<length>:<text>;" and variables "v<id>:<length>:<name>;",
// so a ';' inside a text is never taken for the end of an entry.
#include "compiler/function/host_key.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

namespace kiln::detail {
namespace {

struct Entry {
  char kind = 0;
  std::string text;  // between the kind and the ';'
};

/// The text of a length-prefixed field "<n>:<n chars>" at `at`, moving `at` past it.
std::optional<std::string> counted(const std::string& key, size_t& at) {
  const size_t colon = key.find(':', at);
  if (colon == std::string::npos) return std::nullopt;
  const size_t n = std::strtoull(key.c_str() + at, nullptr, 10);
  if (colon + 1 + n > key.size()) return std::nullopt;
  std::string text = key.substr(colon + 1, n);
  at = colon + 1 + n;
  return text;
}

std::optional<std::vector<Entry>> entries_of(const std::string& key) {
  std::vector<Entry> out;
  size_t at = 0;
  while (at < key.size()) {
    Entry e;
    e.kind = key[at++];
    const size_t start = at;
    if (e.kind == 's' && !counted(key, at)) return std::nullopt;
    if (e.kind == 'v') {
      const size_t colon = key.find(':', at);
      if (colon == std::string::npos) return std::nullopt;
      at = colon + 1;
      if (!counted(key, at)) return std::nullopt;
    }
    const size_t end = key.find(';', at);
    if (end == std::string::npos) return std::nullopt;
    e.text = key.substr(start, end - start);
    at = end + 1;
    out.push_back(std::move(e));
  }
  return out;
}

/// An entry's value as a user wrote it.
std::string value_of(const Entry& e) {
  size_t at = 0;
  switch (e.kind) {
    case 'f': {  // "<bytes>:<bits of the double>"
      const uint64_t bits = std::strtoull(e.text.c_str() + e.text.find(':') + 1, nullptr, 10);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", d);
      return buf;
    }
    case 'i':  // "<bytes>:<value>"
      return e.text.substr(e.text.find(':') + 1);
    case 's': {
      std::string quoted(1, '"');
      quoted += counted(e.text, at).value_or("");
      quoted += '"';
      return quoted;
    }
    case 'v': {  // "<id>:<length>:<name>"
      at = e.text.find(':') + 1;
      const std::string name = counted(e.text, at).value_or("");
      return name.empty() ? "an unnamed variable" : "'" + name + "'";
    }
    default:
      return e.text;
  }
}

std::string kind_name(char kind) {
  switch (kind) {
    case 'f':
      return "float argument";
    case 'i':
      return "integer argument";
    case 'e':
      return "enum argument";
    case 's':
      return "string argument";
    case 'v':
      return "variable";
    case 'n':
      return "tensor list length";
    default:
      return "non-tensor argument";
  }
}

}  // namespace

std::string host_change(const std::string& was, const std::string& now) {
  const auto a = entries_of(was), b = entries_of(now);
  if (!a || !b || a->size() != b->size()) return "non-tensor arguments changed";
  for (size_t k = 0; k < a->size(); ++k) {
    const Entry &x = (*a)[k], &y = (*b)[k];
    if (x.kind == y.kind && x.text == y.text) continue;
    if (x.kind != y.kind) return "non-tensor arguments changed";
    const std::string from = value_of(x), to = value_of(y);
    if (x.kind == 'v')  // the same name: another Variable object
      return "variable " + from + " -> " + (from == to ? "another variable " : "") + to;
    return kind_name(x.kind) + " " + from + " -> " + to;
  }
  return "non-tensor arguments changed";
}

}  // namespace kiln::detail
