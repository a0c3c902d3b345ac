// Test helper: captures what kiln::print writes to std::cout.
#pragma once

#include <iostream>
#include <sstream>
#include <string>

namespace kt {

/// Redirects std::cout into a string for its lifetime (print's kernel writes there).
class CaptureCout {
 public:
  CaptureCout() : old_(std::cout.rdbuf(buf_.rdbuf())) {}
  ~CaptureCout() { std::cout.rdbuf(old_); }
  CaptureCout(const CaptureCout&) = delete;
  CaptureCout& operator=(const CaptureCout&) = delete;
  std::string str() {
    std::cout.flush();
    return buf_.str();
  }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};

}  // namespace kt
