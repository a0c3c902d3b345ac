// Values a checkpoint restored for variables that do not exist yet (an optimizer's slots
// before its first apply): kiln::Checkpoint leaves them with the optimizer, whose first
// apply creates its variables with them (restore-on-create, as tf.train.Checkpoint does).
#pragma once

#include <map>
#include <string>

#include "kiln/tensor.h"

namespace kiln::detail {

struct PendingRestore {
  std::string file;                      // the checkpoint the values came from (for errors)
  std::string group;                     // its group for them ("<group>/<name>" in the file)
  std::map<std::string, Tensor> values;  // by variable name; taken when created
};

}  // namespace kiln::detail
