// The random ops with a key operand, an i64 (2) tensor (seed, counter): what
// kiln::Generator draws with (its key is a variable, so a compiled function's draws are
// graph ops that read it at every call). The public random_* take a seed: key (seed, 0).
#pragma once

#include <cstdint>

#include "kiln/ops.h"

namespace kiln::detail {

Tensor random_uniform(const Tensor& key, Shape shape, float lo, float hi, DType dtype, Loc loc);
Tensor random_normal(const Tensor& key, Shape shape, float mean, float stddev, DType dtype,
                     Loc loc);
Tensor random_int(const Tensor& key, Shape shape, int64_t lo, int64_t hi, DType dtype, Loc loc);

}  // namespace kiln::detail
