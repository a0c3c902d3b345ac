// The built-in example models of kiln-ir: each traces a C++ lambda with kiln::function on
// fixed-seed inputs. The lambdas live in ir_models.cpp, so traced IR locations name it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <kiln/kiln.h>

namespace kiln::tools {

/// The IR of one model's concrete function at a stage (throws kiln::Error for a stage the
/// compiler does not produce yet). Tracing happens on the first call; later calls reuse it.
using IrOfStage = std::function<std::string(Stage)>;

struct IrModel {
  std::string name;
  std::string description;  // one line
  std::function<IrOfStage()> make;  // builds the function object and its inputs
};

/// Every built-in model, in --list order.
const std::vector<IrModel>& ir_models();

}  // namespace kiln::tools
