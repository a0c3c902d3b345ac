#include "compiler/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>

#include "compiler/io/files.h"
#include "kiln/error.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail::safetensors {
namespace {

// The data are little-endian: on a little-endian host, the tensors' own bytes.
static_assert(std::endian::native == std::endian::little,
              "safetensors data are little-endian; a big-endian host must swap them");

/// kiln's dtypes under safetensors' names.
const char* dtype_name_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "F32";
    case DType::f64:
      return "F64";
    case DType::i32:
      return "I32";
    case DType::i64:
      return "I64";
    case DType::boolean:
      return "BOOL";
  }
  return "";
}

std::optional<DType> dtype_of_name(llvm::StringRef name) {
  for (DType d : kAllDTypes)
    if (name == dtype_name_of(d)) return d;
  return std::nullopt;
}

[[noreturn]] void fail(const std::string& what, const std::string& why) {
  throw Error("[safetensors] " + what + ": " + why);
}

}  // namespace

std::string encode(const Contents& contents) {
  std::set<std::string> names;
  std::vector<Tensor> host;
  uint64_t offset = 0;
  std::string header;
  llvm::raw_string_ostream os(header);
  llvm::json::OStream j(os);
  j.object([&] {
    if (!contents.metadata.empty())
      j.attributeObject("__metadata__", [&] {
        for (const auto& [key, value] : contents.metadata) j.attribute(key, value);
      });
    for (const auto& [name, tensor] : contents.tensors) {
      if (name == "__metadata__" || !names.insert(name).second)
        throw Error("[safetensors] the tensor name '" + name +
                    "' is used twice or reserved: names must be unique");
      if (!tensor.defined()) throw Error("[safetensors] tensor '" + name + "' is undefined");
      Tensor t = to_host(tensor);
      const uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
      j.attributeObject(name, [&] {
        j.attribute("dtype", dtype_name_of(t.dtype()));
        j.attributeArray("shape", [&] {
          for (int64_t d : t.shape()) j.value(d);
        });
        j.attributeArray("data_offsets", [&] {
          j.value(static_cast<int64_t>(offset));
          j.value(static_cast<int64_t>(offset + bytes));
        });
      });
      offset += bytes;
      host.push_back(std::move(t));
    }
  });
  os.flush();
  // The data start 8-byte aligned (what the reference writer does: spaces pad the header).
  while ((8 + header.size()) % 8 != 0) header += ' ';
  std::string out;
  out.reserve(8 + header.size() + offset);
  const uint64_t n = header.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += header;
  for (const Tensor& t : host)
    out.append(static_cast<const char*>(t.data()),
               static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
  return out;
}

Contents decode(std::string_view bytes, const std::string& what) {
  if (bytes.size() < 8)
    fail(what,
         "truncated: " + std::to_string(bytes.size()) + " bytes, not even the header's length");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > kMaxHeaderBytes)
    fail(what, "the header's length " + std::to_string(n) + " is over the limit of " +
                   std::to_string(kMaxHeaderBytes) + " bytes");
  if (n > bytes.size() - 8)
    fail(what, "the header's length " + std::to_string(n) + " runs past the end of the file (" +
                   std::to_string(bytes.size()) + " bytes)");
  std::string_view header = bytes.substr(8, n), data = bytes.substr(8 + n);
  if (header.empty() || header.front() != '{') fail(what, "the header is not a JSON object");
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse(llvm::StringRef(header.data(), header.size()));
  if (!json) fail(what, "the header is not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object* root = json->getAsObject();
  if (!root) fail(what, "the header is not a JSON object");

  struct Item {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t begin, end;
  };
  std::vector<Item> items;
  Contents out;
  for (const auto& [key, value] : *root) {
    const std::string name = key.str();
    if (name == "__metadata__") {
      const llvm::json::Object* meta = value.getAsObject();
      if (!meta) fail(what, "__metadata__ is not an object");
      for (const auto& [k, v] : *meta) {
        auto s = v.getAsString();
        if (!s) fail(what, "__metadata__ value of '" + k.str() + "' is not a string");
        out.metadata[k.str()] = s->str();
      }
      continue;
    }
    const llvm::json::Object* entry = value.getAsObject();
    if (!entry) fail(what, "tensor '" + name + "': not an object");
    auto dtype_text = entry->getString("dtype");
    if (!dtype_text) fail(what, "tensor '" + name + "': no dtype");
    std::optional<DType> dtype = dtype_of_name(*dtype_text);
    if (!dtype)
      fail(what, "tensor '" + name + "': dtype " + dtype_text->str() +
                     " is not one kiln has (F32, F64, I32, I64, BOOL)");
    const llvm::json::Array* shape = entry->getArray("shape");
    const llvm::json::Array* offsets = entry->getArray("data_offsets");
    if (!shape) fail(what, "tensor '" + name + "': no shape");
    if (!offsets || offsets->size() != 2)
      fail(what, "tensor '" + name + "': data_offsets is not [begin, end]");
    Item item{name, *dtype, {}, 0, 0};
    // The element count, checked for overflow as it grows: a shape cannot claim more
    // elements than the file has bytes.
    uint64_t count = 1;
    for (const llvm::json::Value& d : *shape) {
      std::optional<int64_t> v = d.getAsInteger();
      if (!v || *v < 0) fail(what, "tensor '" + name + "': a dimension is not a size (>= 0)");
      if (*v != 0 && count > data.size() / static_cast<uint64_t>(*v))
        count = data.size() + 1;  // more than the data can hold: caught below
      else
        count *= static_cast<uint64_t>(*v);
      item.shape.push_back(*v);
    }
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger(), end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      fail(what, "tensor '" + name + "': data_offsets are not 0 <= begin <= end");
    item.begin = static_cast<uint64_t>(*begin);
    item.end = static_cast<uint64_t>(*end);
    if (item.end > data.size())
      fail(what, "tensor '" + name + "': its data [" + std::to_string(item.begin) + ", " +
                     std::to_string(item.end) + ") run past the " + std::to_string(data.size()) +
                     " bytes of data");
    if (count > data.size() || count * dtype_size(*dtype) != item.end - item.begin)
      fail(what, "tensor '" + name + "': shape " + shape_str(item.shape) + " of " +
                     dtype_text->str() + " needs " +
                     (count > data.size() ? std::string("more bytes than the file has")
                                          : std::to_string(count * dtype_size(*dtype)) + " bytes") +
                     ", its data_offsets give " + std::to_string(item.end - item.begin));
    items.push_back(std::move(item));
  }
  // The offsets tile the data: sorted, each beginning where the last ended, the last ending
  // at the end of the file.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t at = 0;
  for (const Item& item : items) {
    if (item.begin != at)
      fail(what, "tensor '" + item.name + "' begins at byte " + std::to_string(item.begin) +
                     " of the data, not at " + std::to_string(at) +
                     " (the tensors' data overlap or leave a gap)");
    at = item.end;
  }
  if (at != data.size())
    fail(what, std::to_string(data.size() - at) + " bytes after the last tensor's data");

  for (const Item& item : items) {
    Tensor t = empty(item.dtype, item.shape);
    if (item.end > item.begin)
      std::memcpy(t.impl()->data(), data.data() + item.begin, item.end - item.begin);
    if (item.dtype == DType::boolean) {
      const uint8_t* b = static_cast<const uint8_t*>(t.data());
      for (uint64_t i = 0; i < item.end - item.begin; ++i)
        if (b[i] > 1)
          fail(what, "tensor '" + item.name + "': BOOL byte " + std::to_string(i) + " is " +
                         std::to_string(b[i]) + ", not 0 or 1");
    }
    out.tensors.emplace_back(item.name, std::move(t));
  }
  return out;
}

std::string content_digest(const Contents& contents) {
  llvm::SHA256 sha;
  auto add = [&](std::string_view text) {
    const uint64_t n = text.size();  // length-prefixed: no two sequences hash alike
    sha.update(llvm::StringRef(reinterpret_cast<const char*>(&n), sizeof n));
    sha.update(llvm::StringRef(text.data(), text.size()));
  };
  for (const auto& [key, value] : contents.metadata)
    if (key != "sha256") {
      add(key);
      add(value);
    }
  for (const auto& [name, tensor] : contents.tensors) {
    Tensor host = to_host(tensor);
    add(name);
    add(::kiln::dtype_name(host.dtype()));
    const Shape& shape = host.shape();
    add(std::string_view(reinterpret_cast<const char*>(shape.data()),
                         shape.size() * sizeof(int64_t)));
    add(std::string_view(static_cast<const char*>(host.data()),
                         static_cast<size_t>(host.numel()) * dtype_size(host.dtype())));
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : sha.final()) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

const std::string* metadata_value(const Contents& contents, const std::string& key) {
  auto it = contents.metadata.find(key);
  return it == contents.metadata.end() ? nullptr : &it->second;
}

std::optional<int64_t> metadata_version(const Contents& contents, const std::string& key) {
  const std::string* text = metadata_value(contents, key);
  if (text == nullptr || text->empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text->c_str(), &end, 10);
  if (end != text->c_str() + text->size() || errno != 0 || v < 1) return std::nullopt;
  return v;
}

int64_t nonfinite_count(const Tensor& host) {
  int64_t n = 0;
  if (host.dtype() == DType::f32)
    for (int64_t i = 0; i < host.numel(); ++i) n += !std::isfinite(host.data_as<float>()[i]);
  else if (host.dtype() == DType::f64)
    for (int64_t i = 0; i < host.numel(); ++i) n += !std::isfinite(host.data_as<double>()[i]);
  return n;
}

std::string nonfinite_problem(const Tensor& host) {
  const int64_t bad = nonfinite_count(host);
  if (bad == 0) return "";
  return "holds " + std::to_string(bad) + " NaN or infinite value" + (bad > 1 ? "s" : "") + " of " +
         std::to_string(host.numel());
}

std::string digest_problem(const Contents& contents) {
  const std::string* recorded = metadata_value(contents, "sha256");
  if (recorded == nullptr) return "its metadata has no sha256 digest";
  if (*recorded != content_digest(contents))
    return "it is damaged: its contents do not match the digest its metadata records";
  return "";
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::filesystem::path target(path);
  std::string temp_prefix = ".";  // hidden, beside the target (GCC 12 misreads "." + string)
  temp_prefix += target.filename().string();
  temp_prefix += ".tmp-";
  const std::string error = files::replace_file(target, bytes, temp_prefix);
  if (!error.empty()) throw Error("[safetensors] " + error);
}

std::string read_file(const std::string& path, uint64_t max_bytes) {
  std::string why;
  std::optional<std::string> bytes = files::read_file(path, max_bytes, /*touch=*/false, &why);
  if (!bytes) throw Error("[safetensors] '" + path + "': " + why);
  return std::move(*bytes);
}

}  // namespace kiln::detail::safetensors
