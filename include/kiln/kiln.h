// The one header a kiln user includes. It pulls in no MLIR or LLVM header.
#pragma once

#include "kiln/dtype.h"
#include "kiln/error.h"
#include "kiln/ops.h"
#include "kiln/tensor.h"
