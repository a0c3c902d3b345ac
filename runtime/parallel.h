// CPU parallelism: oneTBB under one thread-count setting shared by every kernel.
#pragma once

#include <algorithm>
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace kiln::runtime {

int num_threads();
void set_num_threads(int threads);

/// Below this many elements of simple work a loop runs on the calling thread: a
/// parallel launch costs a few microseconds.
inline constexpr int64_t kParallelGrain = 32 * 1024;

/// Calls body(begin, end) over [0, n) in chunks of at least `grain`, spread over the
/// kiln threads; runs inline when one chunk suffices. Chunks are contiguous and static,
/// so a bandwidth-bound loop streams memory from every core.
template <class Body>
void parallel_for(int64_t n, int64_t grain, Body&& body) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads <= 1 || n <= grain) {
    body(int64_t{0}, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  int64_t per = (n + chunks - 1) / chunks;
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<int64_t>& r) {
        for (int64_t c = r.begin(); c < r.end(); ++c) {
          int64_t b = c * per, e = std::min(n, b + per);
          if (b < e) body(b, e);
        }
      },
      tbb::static_partitioner());
}

}  // namespace kiln::runtime
