/// \file
/// The one header a kiln user includes. It pulls in no MLIR or LLVM header.
#pragma once

#include "kiln/autodiff.h"
#include "kiln/checkpoint.h"
#include "kiln/control_flow.h"
#include "kiln/distributed.h"
#include "kiln/dtype.h"
#include "kiln/error.h"
#include "kiln/function.h"
#include "kiln/nn.h"
#include "kiln/ops.h"
#include "kiln/optimizers.h"
#include "kiln/profiler.h"
#include "kiln/random.h"
#include "kiln/saved_function.h"
#include "kiln/tensor.h"
#include "kiln/variable.h"
#include "kiln/version.h"

/// kiln's public API: tensors and their ops (eager), kiln::function (traced, cached and
/// compiled), GradientTape, variables, layers, optimizers, control flow, random
/// generators and the profiler.
namespace kiln {}
