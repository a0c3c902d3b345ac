// An op's attributes in plain C++: what an op function passes to the tracer, and what the
// execution plan decodes from the IR once and hands back to the op's eager entry point.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "kiln/dtype.h"

namespace kiln::detail {

using AttrValue = std::variant<int64_t, double, bool, std::vector<int64_t>, std::string, DType>;

struct Attr {
  std::string name;
  AttrValue value;
};

class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<Attr> attrs) : attrs_(attrs) {}
  void add(std::string name, AttrValue value) { attrs_.push_back({std::move(name), std::move(value)}); }
  const std::vector<Attr>& list() const { return attrs_; }

  /// Typed lookups; a missing or mistyped attribute is a kiln bug and throws kiln::Error.
  int64_t i64(const char* name) const { return get<int64_t>(name); }
  double f64(const char* name) const { return get<double>(name); }
  bool flag(const char* name) const { return get<bool>(name); }
  const std::vector<int64_t>& ints(const char* name) const { return get<std::vector<int64_t>>(name); }
  const std::string& str(const char* name) const { return get<std::string>(name); }
  DType dtype(const char* name) const { return get<DType>(name); }

 private:
  template <class T>
  const T& get(const char* name) const;
  std::vector<Attr> attrs_;
};

}  // namespace kiln::detail
