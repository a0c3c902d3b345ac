/// \file
/// kiln::Error: what every bad input turns into.
#pragma once

#include <stdexcept>
#include <string>

namespace kiln {

/// Thrown for every bad input: the message names the op in brackets, the operands'
/// shapes and dtypes, and, where known, the user's source line, e.g.
/// \code
/// [matmul] inner dimensions disagree: 3 vs 4; operands: f32 (2, 3), f32 (4, 5) (at model.cpp:42)
/// \endcode
class Error : public std::runtime_error {
 public:
  /// An error with the complete message (kiln's layers compose it).
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace kiln
