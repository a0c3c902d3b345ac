#include "runtime/op_frame.h"

#include <optional>
#include <string_view>

namespace kiln::runtime {

namespace {

/// kiln's source root as this file's name spells it (absolute, or relative under ccache's
/// base_dir): the name without "runtime/op_frame.cpp".
std::string_view source_root() {
  constexpr std::string_view self = __FILE__;
  constexpr std::string_view tail = "runtime/op_frame.cpp";
  return self.ends_with(tail) ? self.substr(0, self.size() - tail.size()) : std::string_view();
}

/// `file` without the source root, if it is under it. Other files of kiln may have been
/// compiled with another spelling (ccache's base_dir set for some objects, not for others),
/// so the root the build names is tried too, absolute and relative to the build folder.
std::optional<std::string_view> under_root(std::string_view file) {
  for (std::string_view root : {source_root(), std::string_view(KILN_SOURCE_ROOT),
                                std::string_view(KILN_SOURCE_ROOT_FROM_BUILD)})
    if (!root.empty() && file.starts_with(root)) return file.substr(root.size());
  return std::nullopt;
}

}  // namespace

bool is_kiln_source(const char* file) {
  std::optional<std::string_view> f = under_root(file);
  if (!f) return false;
  for (std::string_view dir :
       {"compiler/", "runtime/", "kernels/", "ir/", "passes/", "include/kiln/"})
    if (f->starts_with(dir)) return true;
  return false;
}

std::string file_line(const std::source_location& loc) {
  return std::string(loc.file_name()) + ":" + std::to_string(loc.line());
}

void OpFrame::record_profile() const noexcept {
  try {
    const uint64_t end = profiler::now_ns();
    profiler::record({op_, "op", location(nullptr), "", profile_start_, end - profile_start_,
                      profile_bytes_, 0});
  } catch (...) {
    // Out of memory for an event: the profile misses it; the op's own result stands.
  }
}

std::string OpFrame::location(const std::source_location* caller) const {
  if (loc_ != nullptr) {
    // An op that kiln's own code ran for the user (a layer's matmul): the user's line first.
    if (is_kiln_source(loc_->file_name())) {
      const std::source_location* user = UserCall::innermost();
      if (user == nullptr) user = caller;
      if (user != nullptr) return file_line(*user) + ", in kiln's " + file_line(*loc_);
    }
    return file_line(*loc_);
  }
  if (where_ != nullptr && !where_->empty()) return *where_;
  if (const std::source_location* user = UserCall::innermost()) return file_line(*user);
  return caller != nullptr ? file_line(*caller) : "";
}

std::string op_message(const char* op, const std::string& message) {
  const OpFrame* frame = OpFrame::outermost();
  std::string m = std::string("[") + (frame != nullptr ? frame->op() : op) + "] " + message;
  if (frame != nullptr)
    if (std::string where = frame->location(nullptr); !where.empty()) m += " (at " + where + ")";
  return m;
}

}  // namespace kiln::runtime
