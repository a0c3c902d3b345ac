// kiln's ring all-reduce, over any engine that can send to one neighbour and receive from
// the other (Gloo's TCP pairs, MPI's point-to-point calls). The engines' own all-reduces
// leave bandwidth on the table for kiln's use: Gloo's copies an input of its own into the
// output segment by segment before reducing there (a full extra pass over memory, ~25% at
// 64 MiB on 2 ranks), and MPI's nonblocking one (what a timeout needs) runs Open MPI's
// generic schedule at 70-80% of its blocking call. This ring sends each segment's first
// pass straight from the input and reduces `out = in (+) received`, so out of place costs
// what in place does.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln::detail::distributed {

/// dst[i] = a[i] (+) b[i] for `count` elements (dst may be a).
using ReduceFn = void (*)(void* dst, const void* a, const void* b, size_t count);

/// One rank's links round the ring: sends go to rank - 1, receives come from rank + 1.
/// Transfers start in the ring's order and are waited for in the order they started; a
/// wait that gives up (the engine's timeout, a peer that closed) throws.
class RingLink {
 public:
  virtual ~RingLink() = default;
  /// The only memory transfers will use: the input (sent from), the output and the
  /// scratch (received into). Called once, before any transfer; `in` may be `out`.
  virtual void bind(const void* in, void* out, size_t bytes, void* scratch,
                    size_t scratch_bytes) = 0;
  virtual void start_send(const void* data, size_t bytes) = 0;
  virtual void start_recv(void* data, size_t bytes) = 0;
  /// Waits for the oldest send (receive) not yet waited for.
  virtual void wait_send() = 0;
  virtual void wait_recv() = 0;
};

/// Every rank's `count` elements of `element_size` bytes at `in` combined by `reduce` into
/// `out` (`in` may be `out`), rank `rank` of `size` (> 1), every rank calling it alike.
void ring_all_reduce(RingLink& link, int rank, int size, const void* in, void* out, size_t count,
                     size_t element_size, ReduceFn reduce);

}  // namespace kiln::detail::distributed
