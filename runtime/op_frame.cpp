#include "runtime/op_frame.h"

namespace kiln::runtime {

std::string OpFrame::location() const {
  if (loc_ != nullptr) return std::string(loc_->file_name()) + ":" + std::to_string(loc_->line());
  if (where_ != nullptr) return *where_;
  return "";
}

std::string op_message(const char* op, const std::string& message) {
  const OpFrame* frame = OpFrame::outermost();
  std::string m = std::string("[") + (frame != nullptr ? frame->op() : op) + "] " + message;
  if (frame != nullptr)
    if (std::string where = frame->location(); !where.empty()) m += " (at " + where + ")";
  return m;
}

}  // namespace kiln::runtime
