// One group's communicator as kiln::distributed uses it: collectives over raw host
// buffers, implemented over Gloo (gloo_communicator.cpp), MPI (mpi_communicator.cpp) or,
// for a world of one, by nothing at all (local_communicator.cpp). The engine's failures are
// CommError; the API layer (distributed.cpp) turns them into kiln::Errors that name the collective.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kiln/distributed.h"
#include "kiln/dtype.h"

namespace kiln::detail::distributed {

using kiln::distributed::ReduceOp;

/// What the engine said when a collective failed (a timeout, a peer that closed).
struct CommError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// "gloo", "mpi" or "local".
  virtual const char* engine() const = 0;
  /// Every rank's `count` elements of `dtype` at `in` combined into `out` (`in` may be
  /// `out`: in place): sum, max or min (mean is a sum the caller divides); booleans (one
  /// byte, 0 or 1) combine as or (sum, max) or and (min); max and min return NaN where any
  /// rank has one.
  virtual void all_reduce(const void* in, void* out, size_t count, DType dtype, ReduceOp op,
                          uint32_t tag) = 0;
  /// Each rank's `bytes` at `in`, into `out` (size() * bytes) in rank order.
  virtual void all_gather(const void* in, void* out, size_t bytes, uint32_t tag) = 0;
  /// Rank `root`'s `bytes` at `data`, into every rank's `data`.
  virtual void broadcast(void* data, size_t bytes, int root, uint32_t tag) = 0;
  virtual void barrier(uint32_t tag) = 0;
  /// A communicator over `members` (ranks here; the new ranks are their positions), made by
  /// every member with the same `members` and `name` (unique per split).
  virtual std::unique_ptr<Communicator> subgroup(const std::vector<int>& members,
                                                 const std::string& name) = 0;
};

/// Rank `rank` of `size` over Gloo's TCP transport on 127.0.0.1, meeting the others through
/// files in `folder`; every collective and the connection wait at most `timeout`.
std::unique_ptr<Communicator> make_gloo_communicator(int rank, int size, const std::string& folder,
                                                     std::chrono::milliseconds timeout);
/// This process's MPI_COMM_WORLD (MPI initialized on first use, finalized at exit); every
/// collective waits at most `timeout`. Throws CommError where kiln was built without MPI.
std::unique_ptr<Communicator> make_mpi_communicator(std::chrono::milliseconds timeout);
/// Whether this kiln was built with MPI.
bool mpi_available();
/// A world of one: every collective leaves its data as it is; no socket, no file.
std::unique_ptr<Communicator> make_local_communicator();

}  // namespace kiln::detail::distributed
