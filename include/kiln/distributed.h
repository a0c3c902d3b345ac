/// \file
/// kiln::distributed: collectives between processes (data-parallel training), over Gloo or
/// MPI.
///
/// \code
/// // Run N ranks with: kiln-launch -n N -- ./train   (or: mpirun -np N ./train)
/// kiln::distributed::Group world = kiln::distributed::init();
/// kiln::Tensor total = kiln::distributed::all_reduce(x, kiln::distributed::ReduceOp::sum);
/// \endcode
///
/// With nothing configured (no KILN_RANK / KILN_WORLD_SIZE, no options) the world is one
/// process: every collective returns its input and no socket is opened. With a world size
/// above one, init connects the ranks through a rendezvous folder (KILN_RENDEZVOUS=
/// file:///shared/folder, which kiln-launch sets) over TCP on the loopback interface.
/// Collectives run in the order each rank calls them; every rank must call the same ones in
/// the same order with the same dtypes and shapes (KILN_DISTRIBUTED_DEBUG=1 checks it before
/// each one and names the ranks that differ). Each has a timeout: a rank that waits past it,
/// or whose peer exited, gets a kiln::Error naming the collective, the group, its sequence
/// number and the caller's line, and the group is unusable afterwards.
///
/// Inside a kiln::function each collective is an op of the graph (kiln.all_reduce,
/// kiln.all_gather, kiln.collective_broadcast; a barrier is an all-reduce of a scalar): no
/// optimization merges, drops or reorders them, and they run at every call in the order
/// they were traced. GradientTape goes through them (the gradient of an all-reduce is an
/// all-reduce of the gradient). Inside a compiled step, all_reduce_gradients' reductions are
/// packed into buckets by the compiler, and each bucket starts as soon as its gradients exist,
/// overlapping the rest of the backward pass.
#pragma once

#include <chrono>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln::distributed {

namespace detail {
struct GroupState;  // compiler/distributed/group_state.h
}

/// How init finds the other ranks.
struct InitOptions {
  /// "auto", "gloo", "mpi" or "nccl"; "": the KILN_BACKEND environment variable, else
  /// "auto". auto is MPI under mpirun (Open MPI's environment without KILN_RENDEZVOUS), else
  /// Gloo when the world has more than one rank, else a world of one; and for CUDA tensors
  /// NCCL where libnccl.so.2 loads ($KILN_NCCL first), else the host engine on a host copy.
  /// "nccl" is auto with NCCL required.
  std::string backend;
  /// This process's rank; -1: KILN_RANK (or Open MPI's OMPI_COMM_WORLD_RANK), else 0 in a
  /// world of one.
  int rank = -1;
  /// The number of ranks; -1: KILN_WORLD_SIZE (or OMPI_COMM_WORLD_SIZE), else 1.
  int world_size = -1;
  /// "file:///folder" shared by the ranks; "": KILN_RENDEZVOUS.
  std::string rendezvous;
  /// How long a collective (and connecting at init) waits for the other ranks; 0: the
  /// KILN_DISTRIBUTED_TIMEOUT environment variable in seconds, else 300 s.
  std::chrono::milliseconds timeout{0};
};

/// How all_reduce combines the ranks' values. mean is for floating dtypes; on booleans sum
/// and max are a logical or, min a logical and.
enum class ReduceOp { sum, mean, max, min };

/// A set of ranks that run collectives together: the world, or a part of it (split).
/// Copies share one communicator.
class Group {
 public:
  /// This process's rank in the group, 0 .. size() - 1.
  int rank() const;
  /// The number of ranks in the group.
  int size() const;
  /// "world", or the name split gave the group.
  const std::string& name() const;
  /// The ranks of this group with the same `color` form a new group, ordered by `key`
  /// (default: their rank here). Every rank of this group must call it (a collective).
  Group split(int color, int key = -1,
              std::source_location loc = std::source_location::current()) const;

  /// Internal: the group's communicator (compiler/distributed).
  const std::shared_ptr<detail::GroupState>& state() const { return state_; }
  /// Internal: wraps a communicator.
  explicit Group(std::shared_ptr<detail::GroupState> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<detail::GroupState> state_;
};

/// Connects this process to the others (options, then the environment) and returns the
/// world. Calling it again returns the same world (different options then are an error).
Group init(InitOptions options = {});
/// The world init made (init with no options first, if it has not run).
Group world();
/// Whether init has run.
bool initialized();

/// The element-wise combination of every rank's `x` (same dtype and shape on every rank),
/// on x's device. Integers and booleans are exact; floating sums depend on the order the
/// engine adds in, which is the same on every rank (every rank gets the same bits).
Tensor all_reduce(const Tensor& x, ReduceOp op = ReduceOp::sum, const Group& group = world(),
                  std::source_location loc = std::source_location::current());
/// Every rank's `x` concatenated along axis 0 in rank order (shape (size * x.shape[0], ...);
/// a scalar gives shape (size)).
Tensor all_gather(const Tensor& x, const Group& group = world(),
                  std::source_location loc = std::source_location::current());
/// Rank `root`'s `x` on every rank (every rank passes a tensor of that dtype and shape).
Tensor broadcast(const Tensor& x, int root, const Group& group = world(),
                 std::source_location loc = std::source_location::current());
/// Returns once every rank of the group has called it.
void barrier(const Group& group = world(),
             std::source_location loc = std::source_location::current());

/// Assigns rank `root`'s value of every variable to it on every rank (before training, so
/// that every rank starts from the same weights).
void broadcast_variables(const std::vector<Variable*>& variables, int root = 0,
                         const Group& group = world(),
                         std::source_location loc = std::source_location::current());

/// Every rank's gradients combined (the mean by default: data-parallel training on equal
/// shards), as PyTorch DDP and Horovod reduce them: consecutive gradients of one dtype travel
/// together in buckets of at most `bucket_bytes` (one larger gradient goes alone), one
/// collective per bucket. Returns new tensors on the gradients' devices, in order.
std::vector<Tensor> all_reduce_gradients(
    const std::vector<Tensor>& gradients, ReduceOp op = ReduceOp::mean,
    size_t bucket_bytes = size_t{25} << 20, const Group& group = world(),
    std::source_location loc = std::source_location::current());

}  // namespace kiln::distributed
