#include "compiler/ops/attrs.h"

#include "kiln/error.h"

namespace kiln::detail {

template <class T>
const T& Attrs::get(const char* name) const {
  for (const Attr& a : attrs_)
    if (a.name == name) {
      if (const T* v = std::get_if<T>(&a.value)) return *v;
      throw Error(std::string("[attrs] attribute '") + name + "' has another type");
    }
  throw Error(std::string("[attrs] missing attribute '") + name + "'");
}

template const int64_t& Attrs::get<int64_t>(const char*) const;
template const double& Attrs::get<double>(const char*) const;
template const bool& Attrs::get<bool>(const char*) const;
template const std::vector<int64_t>& Attrs::get<std::vector<int64_t>>(const char*) const;
template const std::string& Attrs::get<std::string>(const char*) const;
template const DType& Attrs::get<DType>(const char*) const;

}  // namespace kiln::detail
