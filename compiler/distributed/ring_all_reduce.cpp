// The ring all-reduce: the buffer is cut into size() chunks of k >= 2 segments each (at most
// 4 MiB). Reduce-scatter passes each segment once round the ring, every rank adding its own
// part, so after S - k steps rank r holds chunk r reduced; all-gather passes the reduced
// chunks round again. Two segments are in flight while a third is reduced (each step's
// send and receive are waited for two steps later): the schedule of Gloo's ring
// (gloo/allreduce.cc).
#include "compiler/distributed/ring_all_reduce.h"

#include <algorithm>
#include <memory>

namespace kiln::detail::distributed {
namespace {

// Segments of at most 4 MiB (Gloo's ring uses 1 MiB): on 2 ranks over Gloo's loopback TCP,
// 64 MiB all-reduces ran 1.12-1.20x faster than with 1 MiB and no slower than with 8 MiB;
// over MPI's shared memory 128 KiB-4 MiB segments were within the run-to-run noise
// (kiln-bench --distributed, same minutes). Buffers under 8 MiB are cut the same either way.
constexpr size_t kMaxSegmentBytes = size_t{4} << 20;

size_t round_up(size_t x, size_t multiple) { return (x + multiple - 1) / multiple * multiple; }

struct Span {
  size_t offset;
  size_t length;  // 0 for a segment past the end (the last chunks may be short or empty)
};

}  // namespace

void ring_all_reduce(RingLink& link, int rank, int size, const void* in, void* out, size_t count,
                     size_t element_size, ReduceFn reduce) {
  const size_t total = count * element_size;
  if (total == 0) return;
  const size_t n = static_cast<size_t>(size);
  const size_t r = static_cast<size_t>(rank);
  const size_t max_segment = element_size * std::max<size_t>(1, kMaxSegmentBytes / element_size);
  const size_t segments = round_up(std::max((total + max_segment - 1) / max_segment, 2 * n), n);
  const size_t per_rank = segments / n;  // k >= 2: a segment is reduced before it is sent on
  const size_t segment_bytes = round_up((total + segments - 1) / segments, element_size);
  auto span = [&](size_t index) {
    const size_t offset = (index % segments) * segment_bytes;
    return Span{offset, offset >= total ? 0 : std::min(segment_bytes, total - offset)};
  };

  auto scratch = std::make_unique_for_overwrite<uint8_t[]>(2 * segment_bytes);
  link.bind(in, out, total, scratch.get(), 2 * segment_bytes);
  auto* const out_bytes = static_cast<uint8_t*>(out);
  const auto* const in_bytes = static_cast<const uint8_t*>(in);
  const size_t steps = segments - per_rank;

  // Reduce-scatter. Step i sends segment (r+1)k+i and receives (r+2)k+i into half i%2 of
  // the scratch; the first k sends are this rank's own values (from the input), later ones
  // the segment received k steps before, reduced (from the output). Each received segment
  // becomes out = in (+) received.
  auto scatter_send = [&](size_t i) { return span((r + 1) * per_rank + i); };
  auto scatter_recv = [&](size_t i) { return span((r + 2) * per_rank + i); };
  for (size_t i = 0; i < steps + 2; ++i) {
    if (i >= 2) {
      const size_t j = i - 2;
      if (const Span got = scatter_recv(j); got.length > 0) {
        link.wait_recv();
        reduce(out_bytes + got.offset, in_bytes + got.offset,
               scratch.get() + (j & 1) * segment_bytes, got.length / element_size);
      }
      if (scatter_send(j).length > 0) link.wait_send();
    }
    if (i < steps) {
      if (const Span want = scatter_recv(i); want.length > 0)
        link.start_recv(scratch.get() + (i & 1) * segment_bytes, want.length);
      if (const Span give = scatter_send(i); give.length > 0)
        link.start_send((i < per_rank ? in_bytes : out_bytes) + give.offset, give.length);
    }
  }

  // All-gather: step i sends segment rk+i (reduced here, or received k steps before) and
  // receives (r+1)k+i straight into the output.
  auto gather_send = [&](size_t i) { return span(r * per_rank + i); };
  auto gather_recv = [&](size_t i) { return span((r + 1) * per_rank + i); };
  for (size_t i = 0; i < steps + 2; ++i) {
    if (i >= 2) {
      const size_t j = i - 2;
      if (gather_recv(j).length > 0) link.wait_recv();
      if (gather_send(j).length > 0) link.wait_send();
    }
    if (i < steps) {
      if (const Span want = gather_recv(i); want.length > 0)
        link.start_recv(out_bytes + want.offset, want.length);
      if (const Span give = gather_send(i); give.length > 0)
        link.start_send(out_bytes + give.offset, give.length);
    }
  }
}

}  // namespace kiln::detail::distributed
