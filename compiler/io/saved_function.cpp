#include "compiler/io/saved_function.h"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include "compiler/io/safetensors.h"
#include "kiln/error.h"
#include "kiln/version.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail::saved {

namespace {

constexpr const char* kFormat = "kiln-function";
/// Bounds that keep a lying manifest from asking for absurd work before anything is read.
constexpr size_t kMaxRank = 16;
constexpr size_t kMaxEntries = 1 << 20;

std::string variable_key(const std::string& name) { return "variables/" + name; }
std::string capture_key(size_t function, size_t i) {
  return "functions/" + std::to_string(function) + "/captures/" + std::to_string(i);
}
std::string graph_key(size_t function) { return "graph/" + std::to_string(function); }

void write_type(llvm::json::OStream& j, const rules::TensorType& type) {
  j.object([&] {
    j.attribute("dtype", std::string(dtype_name(type.dtype)));
    j.attributeArray("shape", [&] {
      for (int64_t d : type.shape) j.value(d);
    });
  });
}

/// Reads the manifest's JSON strictly: every field present with its type, or kiln::Error.
class Reader {
 public:
  explicit Reader(std::string what) : what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw Error("[load] " + what_ + ": " + why);
  }

  const llvm::json::Object& object(const llvm::json::Value* v, const std::string& field) const {
    const llvm::json::Object* o = v != nullptr ? v->getAsObject() : nullptr;
    if (o == nullptr) fail("the manifest's " + field + " is not an object");
    return *o;
  }
  const llvm::json::Array& array(const llvm::json::Object& o, const char* key,
                                 const std::string& field) const {
    const llvm::json::Array* a = o.getArray(key);
    if (a == nullptr) fail("the manifest's " + field + "." + key + " is not a list");
    if (a->size() > kMaxEntries) fail("the manifest's " + field + "." + key + " is too long");
    return *a;
  }
  std::string string(const llvm::json::Object& o, const char* key, const std::string& field) const {
    std::optional<llvm::StringRef> s = o.getString(key);
    if (!s) fail("the manifest's " + field + "." + key + " is not a string");
    return s->str();
  }
  int64_t integer(const llvm::json::Value& v, const std::string& field, int64_t lo,
                  int64_t hi) const {
    std::optional<int64_t> i = v.getAsInteger();
    if (!i || *i < lo || *i > hi)
      fail("the manifest's " + field + " is not an integer in [" + std::to_string(lo) + ", " +
           std::to_string(hi) + "]");
    return *i;
  }
  rules::TensorType type(const llvm::json::Value& v, const std::string& field) const {
    const llvm::json::Object& o = object(&v, field);
    const std::string name = string(o, "dtype", field);
    std::optional<DType> dtype;
    for (DType d : kAllDTypes)
      if (dtype_name(d) == name) dtype = d;
    if (!dtype) fail("the manifest's " + field + ".dtype '" + name + "' is not a kiln dtype");
    const llvm::json::Array& dims = array(o, "shape", field);
    if (dims.size() > kMaxRank)
      fail("the manifest's " + field + " has rank over " + std::to_string(kMaxRank));
    rules::TensorType t{*dtype, {}};
    for (size_t i = 0; i < dims.size(); ++i)
      t.shape.push_back(
          integer(dims[i], field + ".shape[" + std::to_string(i) + "]", -1, int64_t{1} << 40));
    return t;
  }
  std::vector<rules::TensorType> types(const llvm::json::Object& o, const char* key,
                                       const std::string& field) const {
    std::vector<rules::TensorType> out;
    const llvm::json::Array& a = array(o, key, field);
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(type(a[i], field + "." + key + "[" + std::to_string(i) + "]"));
    return out;
  }

 private:
  std::string what_;
};

int64_t read_version(const safetensors::Contents& contents, const char* key, const Reader& r) {
  std::optional<int64_t> v = safetensors::metadata_version(contents, key);
  if (!v) r.fail(std::string("its metadata has no valid ") + key);
  return *v;
}

std::string type_str(const rules::TensorType& t) {
  return std::string(dtype_name(t.dtype)) + " " + shape_str(t.shape);
}

}  // namespace

std::string encode(const File& file) {
  safetensors::Contents contents;
  std::set<std::string> names;
  for (const Variable& v : file.variables) {
    if (v.name.empty() || !names.insert(v.name).second)
      throw Error("[save] variable name '" + v.name + "' is empty or used twice");
    contents.tensors.emplace_back(variable_key(v.name), v.value);
  }
  std::string manifest;
  llvm::raw_string_ostream os(manifest);
  llvm::json::OStream j(os);
  j.object([&] {
    j.attributeArray("variables", [&] {
      for (const Variable& v : file.variables)
        j.object([&] {
          j.attribute("name", v.name);
          j.attribute("dtype", std::string(dtype_name(v.value.dtype())));
          j.attributeArray("shape", [&] {
            for (int64_t d : v.value.shape()) j.value(d);
          });
        });
    });
    j.attributeArray("functions", [&] {
      for (const Concrete& f : file.functions)
        j.object([&] {
          j.attribute("name", f.name);
          j.attributeArray("args", [&] {
            for (const auto& t : f.args) write_type(j, t);
          });
          j.attributeArray("results", [&] {
            for (const auto& t : f.results) write_type(j, t);
          });
          j.attributeArray("variables", [&] {
            for (int64_t v : f.variables) j.value(v);
          });
          j.attribute("captures", static_cast<int64_t>(f.captures.size()));
        });
    });
  });
  os.flush();
  for (size_t k = 0; k < file.functions.size(); ++k) {
    const Concrete& f = file.functions[k];
    for (size_t i = 0; i < f.captures.size(); ++i)
      contents.tensors.emplace_back(capture_key(k, i), f.captures[i]);
    contents.metadata[graph_key(k)] = f.graph;
  }
  contents.metadata["format"] = kFormat;
  contents.metadata["format_version"] = std::to_string(kFormatVersion);
  contents.metadata["dialect_version"] = std::to_string(kDialectVersion);
  contents.metadata["kiln_version"] = version();
  contents.metadata["manifest"] = manifest;
  contents.metadata["sha256"] = safetensors::content_digest(contents);
  return safetensors::encode(contents);
}

File decode(std::string_view bytes, const std::string& what) {
  Reader r(what);
  safetensors::Contents contents;
  try {
    contents = safetensors::decode(bytes, what);
  } catch (const Error& e) {
    r.fail(std::string("not a readable safetensors file: ") + e.what());
  }
  auto meta = [&](const std::string& key) { return safetensors::metadata_value(contents, key); };
  const std::string* format = meta("format");
  if (format == nullptr || *format != kFormat)
    r.fail(format != nullptr && *format == "kiln-checkpoint"
               ? "it is a checkpoint (kiln::Checkpoint::restore reads it), not a saved function"
               : "it is not a saved kiln function (no \"format\": \"kiln-function\" in its "
                 "metadata)");
  File file;
  const std::string* writer = meta("kiln_version");
  file.kiln_version = writer != nullptr ? *writer : "?";
  file.format_version = read_version(contents, "format_version", r);
  if (file.format_version > kFormatVersion)
    r.fail("it has format version " + std::to_string(file.format_version) + " (written by kiln " +
           file.kiln_version + "); this kiln (" + version() + ") reads format versions up to " +
           std::to_string(kFormatVersion));
  file.dialect_version = read_version(contents, "dialect_version", r);
  if (file.dialect_version > kDialectVersion)
    r.fail("its graphs are in kiln dialect version " + std::to_string(file.dialect_version) +
           " (written by kiln " + file.kiln_version + "); this kiln (" + version() +
           ") reads dialect versions up to " + std::to_string(kDialectVersion));
  if (std::string problem = safetensors::digest_problem(contents); !problem.empty())
    r.fail(problem);

  const std::string* manifest_text = meta("manifest");
  if (manifest_text == nullptr) r.fail("its metadata has no manifest");
  llvm::Expected<llvm::json::Value> manifest = llvm::json::parse(*manifest_text);
  if (!manifest) r.fail("its manifest is not JSON: " + llvm::toString(manifest.takeError()));
  const llvm::json::Object& root = r.object(&*manifest, "root");

  std::map<std::string, Tensor> tensors;
  for (auto& [name, t] : contents.tensors) tensors.emplace(name, t);
  std::set<std::string> used;
  auto take = [&](const std::string& key, const rules::TensorType& want) {
    auto it = tensors.find(key);
    if (it == tensors.end()) r.fail("the tensor '" + key + "' is missing");
    const Tensor& t = it->second;
    if (t.dtype() != want.dtype || t.shape() != want.shape)
      r.fail("the tensor '" + key + "' is " + type_str({t.dtype(), t.shape().vec()}) +
             " but the manifest says " + type_str(want));
    used.insert(key);
    return t;
  };

  const llvm::json::Array& variables = r.array(root, "variables", "root");
  std::set<std::string> names;
  for (size_t i = 0; i < variables.size(); ++i) {
    const std::string field = "variables[" + std::to_string(i) + "]";
    const llvm::json::Object& v = r.object(&variables[i], field);
    const std::string name = r.string(v, "name", field);
    if (name.empty() || !names.insert(name).second)
      r.fail("the variable name '" + name + "' is empty or used twice");
    const rules::TensorType type = r.type(variables[i], field);
    for (int64_t d : type.shape)
      if (d < 0) r.fail("variable '" + name + "' has a dynamic dimension");
    file.variables.push_back({name, take(variable_key(name), type)});
  }

  const llvm::json::Array& functions = r.array(root, "functions", "root");
  if (functions.empty()) r.fail("it holds no function");
  for (size_t k = 0; k < functions.size(); ++k) {
    const std::string field = "functions[" + std::to_string(k) + "]";
    const llvm::json::Object& f = r.object(&functions[k], field);
    Concrete c;
    c.name = r.string(f, "name", field);
    c.args = r.types(f, "args", field);
    c.results = r.types(f, "results", field);
    const llvm::json::Array& vars = r.array(f, "variables", field);
    for (size_t i = 0; i < vars.size(); ++i)
      c.variables.push_back(r.integer(vars[i], field + ".variables[" + std::to_string(i) + "]", 0,
                                      static_cast<int64_t>(file.variables.size()) - 1));
    const llvm::json::Value* captures = f.get("captures");
    if (captures == nullptr) r.fail("the manifest's " + field + ".captures is missing");
    const int64_t n = r.integer(*captures, field + ".captures", 0, kMaxEntries);
    for (int64_t i = 0; i < n; ++i) {
      const std::string key = capture_key(k, static_cast<size_t>(i));
      auto it = tensors.find(key);
      if (it == tensors.end()) r.fail("the tensor '" + key + "' is missing");
      used.insert(key);
      c.captures.push_back(it->second);
    }
    const std::string* graph = meta(graph_key(k));
    if (graph == nullptr) r.fail("the graph of function " + std::to_string(k) + " is missing");
    c.graph = *graph;
    file.functions.push_back(std::move(c));
  }
  for (const auto& [name, t] : contents.tensors)
    if (!used.count(name)) r.fail("the tensor '" + name + "' belongs to nothing in the manifest");
  return file;
}

}  // namespace kiln::detail::saved
