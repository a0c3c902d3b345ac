// Graph mode's kernel binding: for each traced op name, the eager entry point that runs
// it on concrete tensors with attributes decoded from the IR.
#pragma once

#include <string_view>
#include <vector>

#include "compiler/attrs.h"
#include "kiln/tensor.h"
#include "runtime/shape_rules.h"

namespace kiln::detail {

using EagerOp = std::vector<Tensor> (*)(const std::vector<Tensor>& in, const Attrs& attrs,
                                        const std::vector<rules::TensorType>& results);

/// The entry for `kiln.<name>`; nullptr for ops graph mode runs otherwise (constants,
/// variables, print, control flow) or does not know.
EagerOp find_eager_op(std::string_view name);

}  // namespace kiln::detail
