// A compiled function's collectives as its plan runs them (compiler/pipeline/plan_builder.cpp).
// The kernel binders bind_all_reduce, bind_all_gather and bind_collective_broadcast run one on
// the communication thread and wait for it (inside control flow); at the top level of a
// function the plan splits each in two: `start` hands it to the communication thread as soon
// as its operand exists, `done` waits for it before its result's first reader, and the steps
// between overlap the transfer.
#pragma once

#include <cstddef>
#include <functional>

#include "compiler/pipeline/kernel_binding.h"

namespace kiln::detail {

/// Whether `op` is a collective op (kiln.all_reduce, kiln.all_gather, kiln.collective_broadcast).
bool is_collective(mlir::Operation& op);
/// Whether a region of `op` holds a collective (at any depth).
bool holds_collective(mlir::Operation& op);

struct SplitCollective {
  std::function<void(runtime::Frame&)> start, done;
};

/// The two steps of collective `slots.op`; they keep their work in the frame's pending work
/// number `pending` (one per collective of the plan). `slots.last_use[0]`: no step reads
/// the operand from the start on, so the start takes it out of its slot (an all-reduce
/// then reduces it in its own buffer, with no staging copy).
SplitCollective bind_split_collective(const OpSlots& slots, size_t pending);

}  // namespace kiln::detail
