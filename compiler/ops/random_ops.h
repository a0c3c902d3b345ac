// The random ops with a key operand, an i64 (2) tensor (seed, counter): what
// kiln::Generator draws with (its key is a variable, so a compiled function's draws are
// graph ops that read it at every call). The public random_* take a seed: key (seed, 0).
#pragma once

#include <cstdint>

#include "kiln/ops.h"

namespace kiln::detail {

/// `shape` may hold -1 entries with `dims`: an i64 (rank) tensor of the sizes (kiln::shape
/// of a tensor of dynamic dimensions), an operand of the traced op.
Tensor random_uniform(const Tensor& key, Shape shape, float lo, float hi, DType dtype, Loc loc,
                      const Tensor* dims = nullptr);
Tensor random_normal(const Tensor& key, Shape shape, float mean, float stddev, DType dtype,
                     Loc loc, const Tensor* dims = nullptr);
Tensor random_int(const Tensor& key, Shape shape, int64_t lo, int64_t hi, DType dtype, Loc loc,
                  const Tensor* dims = nullptr);

}  // namespace kiln::detail
