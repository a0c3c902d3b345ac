// kiln's communication thread: a compiled function's collectives run on it, in the order the
// plan submits them, while the plan's other steps go on (a bucket's all-reduce overlaps the
// backward pass of the layers before it). One thread for the process, so every rank's
// collectives reach the engine in its graph's program order.
#pragma once

#include <functional>
#include <future>

#include "kiln/tensor.h"

namespace kiln::detail::distributed {

/// Runs `job` on the communication thread after every job submitted before it; the future
/// holds its result or its exception.
std::future<Tensor> submit_collective(std::function<Tensor()> job);

}  // namespace kiln::detail::distributed
