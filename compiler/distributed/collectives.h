// The collectives as the rest of kiln runs them: the op functions of kiln/distributed.h
// trace or tape them and then call these; a compiled function's plan calls them for its
// kiln.all_reduce, kiln.all_gather and kiln.collective_broadcast ops (on the communication
// thread, compiler/distributed/comm_thread.h). They stage to the host, run the debug check
// and the engine's call, and name the collective, its group and sequence number in errors.
#pragma once

#include <source_location>
#include <string>
#include <string_view>

#include "kiln/distributed.h"

namespace kiln::detail::distributed {

using kiln::distributed::Group;
using kiln::distributed::ReduceOp;

/// `consume`: the caller hands over x (a plan's dying operand): a host tensor no one else
/// holds is reduced in its own buffer, with no staging copy.
Tensor run_all_reduce(const Tensor& x, ReduceOp op, const Group& group,
                      const std::source_location& loc, bool consume = false);
Tensor run_all_gather(const Tensor& x, const Group& group, const std::source_location& loc);
Tensor run_broadcast(const Tensor& x, int root, const Group& group,
                     const std::source_location& loc);

/// "sum", "mean", "max", "min": the kiln.all_reduce attribute.
const char* reduce_name(ReduceOp op);
/// The ReduceOp a kiln.all_reduce attribute names; throws kiln::Error for another name.
ReduceOp parse_reduce(std::string_view name);

/// The group a traced collective names: "world" (initialized on first use, as
/// kiln::distributed::world()) or a live group made by split. Throws kiln::Error naming it
/// when this process has no such group (a function traced in another world, loaded here).
Group group_named(const std::string& name);

}  // namespace kiln::detail::distributed
