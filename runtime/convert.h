// Element conversion between dtypes: the one definition behind cast, astype, to_vector
// and scalar operands.
#pragma once

#include <cstdint>

#include "kiln/dtype.h"

namespace kiln::runtime {

/// Converts n elements. Floating to integer truncates toward zero and saturates at the
/// integer's range; NaN becomes 0. Anything to boolean is `value != 0`.
void convert_elements(const void* src, DType src_dtype, void* dst, DType dst_dtype, int64_t n);

}  // namespace kiln::runtime
