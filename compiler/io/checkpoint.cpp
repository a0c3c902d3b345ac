// kiln::Checkpoint: tracked variables to and from a safetensors file whose metadata is the
// manifest (format, versions, save count, a digest of the contents). Restore validates
// everything before it writes a variable, and leaves the values of optimizer slots not
// created yet with the optimizer (compiler/nn/pending_restore.h).
#include "kiln/checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/io/safetensors.h"
#include "compiler/nn/pending_restore.h"
#include "compiler/trace/variable_state.h"
#include "kiln/error.h"
#include "kiln/function.h"
#include "kiln/nn.h"
#include "kiln/optimizers.h"
#include "kiln/random.h"
#include "kiln/version.h"
#include "runtime/tensor_impl.h"

namespace kiln {

namespace {

constexpr const char* kFormat = "kiln-checkpoint";
/// The layout this kiln writes; it reads this one and every older one.
constexpr int64_t kFormatVersion = 1;
/// The largest checkpoint file restore reads (the whole file is read into memory).
constexpr uint64_t kMaxFileBytes = uint64_t{1} << 40;

[[noreturn]] void fail(const std::string& message) { throw Error("[Checkpoint] " + message); }

std::string describe(DType dtype, const Shape& shape) {
  return std::string(dtype_name(dtype)) + " " + shape_str(shape);
}

std::string quoted_list(const std::vector<std::string>& names, size_t at_most = 8) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < at_most; ++i)
    out += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > at_most) out += " and " + std::to_string(names.size() - at_most) + " more";
  return out;
}

/// A group's variables now, checked: non-null, named, names unique within the group.
std::vector<Variable*> group_variables(const std::string& group,
                                       const std::function<std::vector<Variable*>()>& list) {
  std::vector<Variable*> vars = list();
  std::set<std::string> names;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (vars[i] == nullptr)
      fail("variable " + std::to_string(i) + " of group '" + group + "' is a null pointer");
    const std::string& name = vars[i]->name();
    if (!vars[i]->state()->named)
      fail("variable " + std::to_string(i) + " of group '" + group + "' has no name (it is '" +
           name +
           "' in this process only): a checkpoint finds variables by name (Variable(value, "
           "\"name\"))");
    if (!names.insert(name).second)
      fail("two variables of group '" + group + "' are named '" + name +
           "': a checkpoint finds variables by name, which must be unique within a group");
  }
  return vars;
}

}  // namespace

// ---- RestoreStatus ------------------------------------------------------------------------

std::vector<std::string> RestoreStatus::pending() const {
  std::vector<std::string> names;
  for (const auto& p : pending_)
    for (const auto& [name, value] : p->values) names.push_back(p->group + "/" + name);
  return names;
}

void RestoreStatus::assert_consumed() const {
  std::string problems;
  if (!unused_.empty()) problems += "values no tracked variable took: " + quoted_list(unused_);
  if (std::vector<std::string> waiting = pending(); !waiting.empty())
    problems += (problems.empty() ? "" : "; ") +
                std::string(
                    "values for optimizer variables not created yet (their first apply "
                    "creates them): ") +
                quoted_list(waiting);
  if (!problems.empty()) fail("restoring '" + file_ + "' did not use every value: " + problems);
}

// ---- Checkpoint::Tracked ------------------------------------------------------------------

Checkpoint::Tracked::Tracked(std::vector<Variable*> variables)
    : variables_([vars = std::move(variables)] { return vars; }) {}
Checkpoint::Tracked::Tracked(Dense& layer) : variables_([&layer] { return layer.variables(); }) {}
Checkpoint::Tracked::Tracked(MLP& model) : variables_([&model] { return model.variables(); }) {}
Checkpoint::Tracked::Tracked(Optimizer& optimizer)
    : variables_([&optimizer] { return optimizer.variables(); }), optimizer_(&optimizer) {}
Checkpoint::Tracked::Tracked(Generator& generator)
    : variables_([&generator] { return std::vector<Variable*>{&generator.state()}; }) {}

// ---- Checkpoint ---------------------------------------------------------------------------

Checkpoint::Checkpoint(std::vector<std::pair<std::string, Tracked>> groups)
    : groups_(std::move(groups)) {
  std::set<std::string> names;
  for (const auto& [name, tracked] : groups_) {
    if (name.empty() || name.find('/') != std::string::npos)
      fail("group name '" + name + "' must be non-empty and without '/'");
    if (!names.insert(name).second) fail("two groups are named '" + name + "'");
  }
}

namespace {

/// N of a file named "ckpt-<N>.safetensors" (N decimal, no sign, fits int64), else nothing.
std::optional<int64_t> checkpoint_number(const std::string& file_name) {
  const std::string prefix = "ckpt-", suffix = ".safetensors";
  if (file_name.size() <= prefix.size() + suffix.size() || !file_name.starts_with(prefix) ||
      !file_name.ends_with(suffix))
    return std::nullopt;
  const std::string digits =
      file_name.substr(prefix.size(), file_name.size() - prefix.size() - suffix.size());
  if (digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(digits);
}

/// The directory's checkpoints by number, oldest first (unreadable directory: none).
std::vector<std::pair<int64_t, std::string>> numbered_checkpoints(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (std::optional<int64_t> n = checkpoint_number(it->path().filename().string());
        n && it->is_regular_file(ec))
      out.emplace_back(*n, it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

}  // namespace

std::string latest_checkpoint(const std::string& directory) {
  const auto all = numbered_checkpoints(directory);
  return all.empty() ? std::string() : all.back().second;
}

std::string Checkpoint::save(const std::string& path, CheckpointSaveOptions options) {
  if (options.max_to_keep < 0)
    fail("save('" + path + "'): max_to_keep is " + std::to_string(options.max_to_keep) +
         "; it is the number of checkpoints to keep, or 0 for all");
  if (!is_directory(path)) {
    save_file(path);
    return path;
  }
  const auto existing = numbered_checkpoints(path);
  const int64_t next = existing.empty() ? 1 : existing.back().first + 1;
  const std::string file =
      (std::filesystem::path(path) / ("ckpt-" + std::to_string(next) + ".safetensors")).string();
  save_file(file);
  if (options.max_to_keep > 0) {
    // Only after the new file is in place: a failed save never costs an old checkpoint.
    auto all = numbered_checkpoints(path);
    for (size_t i = 0; i + static_cast<size_t>(options.max_to_keep) < all.size(); ++i) {
      std::error_code ec;
      std::filesystem::remove(all[i].second, ec);
    }
  }
  return file;
}

void Checkpoint::save_file(const std::string& path) {
  if (detail::FunctionBase::tracing())
    fail("save('" + path +
         "') inside a kiln::function: variables have no value while it "
         "traces; save between calls");
  detail::safetensors::Contents contents;
  for (const auto& [group, tracked] : groups_)
    for (Variable* var : group_variables(group, tracked.variables_))
      contents.tensors.emplace_back(group + "/" + var->name(), detail::to_host(var->value()));
  contents.metadata["format"] = kFormat;
  contents.metadata["format_version"] = std::to_string(kFormatVersion);
  contents.metadata["kiln_version"] = version();
  contents.metadata["save_count"] = std::to_string(save_count_ + 1);
  contents.metadata["sha256"] = detail::safetensors::content_digest(contents);
  detail::safetensors::write_file_atomically(path, detail::safetensors::encode(contents));
  ++save_count_;
}

RestoreStatus Checkpoint::restore(const std::string& where, RestoreOptions options) {
  if (detail::FunctionBase::tracing())
    fail("restore('" + where + "') inside a kiln::function: restore between calls");
  const std::string path = is_directory(where) ? latest_checkpoint(where) : where;
  if (path.empty())
    fail("restore('" + where + "'): the directory holds no checkpoint (ckpt-<N>.safetensors)");
  const std::string bytes = detail::safetensors::read_file(path, kMaxFileBytes);
  detail::safetensors::Contents contents = detail::safetensors::decode(bytes, path);

  // The manifest: a kiln checkpoint of a format this kiln reads, intact.
  auto meta = [&](const char* key) { return detail::safetensors::metadata_value(contents, key); };
  if (const std::string* format = meta("format"); format == nullptr || *format != kFormat)
    fail("'" + path +
         "' is a safetensors file but not a kiln checkpoint (its metadata has no "
         "\"format\": \"" +
         kFormat + "\")");
  const std::optional<int64_t> format_version =
      detail::safetensors::metadata_version(contents, "format_version");
  if (!format_version) fail("'" + path + "': its metadata has no valid format_version");
  if (const int64_t v = *format_version; v > kFormatVersion) {
    const std::string* writer = meta("kiln_version");
    fail("'" + path + "' has checkpoint format version " + std::to_string(v) +
         " (written by kiln " + (writer ? *writer : std::string("?")) + "); this kiln (" +
         version() + ") reads format versions up to " + std::to_string(kFormatVersion));
  }
  if (std::string problem = detail::safetensors::digest_problem(contents); !problem.empty())
    fail("'" + path + "': " + problem);

  std::map<std::string, Tensor> values;
  for (auto& [name, tensor] : contents.tensors) values.emplace(name, tensor);
  auto check_finite = [&](const std::string& key, const Tensor& value) {
    if (options.allow_nonfinite) return;
    if (std::string problem = detail::safetensors::nonfinite_problem(value); !problem.empty())
      fail("'" + path + "': '" + key + "' " + problem +
           " (RestoreOptions::allow_nonfinite accepts them)");
  };

  // Everything is checked before any variable is written.
  std::vector<std::pair<Variable*, Tensor>> assignments;
  std::vector<std::pair<Optimizer*, std::shared_ptr<detail::PendingRestore>>> deferred;
  std::set<std::string> used;
  std::vector<std::string> missing;
  for (const auto& [group, tracked] : groups_) {
    const std::string prefix = group + "/";
    if (tracked.optimizer_ != nullptr && !tracked.optimizer_->built()) {
      // Restore-on-create: its variables appear at its first apply.
      auto pending = std::make_shared<detail::PendingRestore>();
      pending->file = path;
      pending->group = group;
      for (auto it = values.lower_bound(prefix);
           it != values.end() && it->first.starts_with(prefix); ++it) {
        check_finite(it->first, it->second);
        pending->values.emplace(it->first.substr(prefix.size()), it->second);
        used.insert(it->first);
      }
      deferred.emplace_back(tracked.optimizer_, std::move(pending));
      continue;
    }
    for (Variable* var : group_variables(group, tracked.variables_)) {
      const std::string key = prefix + var->name();
      auto it = values.find(key);
      if (it == values.end()) {
        missing.push_back(key);
        continue;
      }
      const Tensor& value = it->second;
      if (value.dtype() != var->dtype() || value.shape() != var->shape())
        fail("'" + path + "': '" + key + "' is " + describe(value.dtype(), value.shape()) +
             " in the checkpoint but " + describe(var->dtype(), var->shape()) + " in the model");
      check_finite(key, value);
      assignments.emplace_back(var, value);
      used.insert(key);
    }
  }
  if (!missing.empty()) {
    std::vector<std::string> held;
    for (const auto& [name, tensor] : contents.tensors) held.push_back(name);
    fail("'" + path + "' has no value for " + quoted_list(missing) + "; it holds " +
         (held.empty() ? std::string("nothing") : quoted_list(held)));
  }

  for (auto& [var, value] : assignments) var->assign(value.to(var->device()));
  RestoreStatus status;
  status.file_ = path;
  for (const auto& [name, tensor] : contents.tensors)
    if (!used.count(name)) status.unused_.push_back(name);
  for (auto& [optimizer, pending] : deferred) {
    optimizer->restore_on_create(pending);
    if (!pending->values.empty()) status.pending_.push_back(pending);
  }
  return status;
}

}  // namespace kiln
