// The runtime sees the public vocabulary (kiln/dtype.h, error.h, tensor.h) but not the op
// API, which the compiler implements: this must not compile.
#include "kiln/ops.h"
