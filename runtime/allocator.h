// The host caching allocator: steady-state eager calls and compiled plans reuse memory
// instead of paying page faults for fresh mmap'd blocks (TOOLCHAIN.md, "Allocation").
#pragma once

#include <cstddef>

namespace kiln::runtime {

/// 64-byte aligned; never returns null (throws kiln::Error when memory is exhausted).
void* host_allocate(size_t bytes);
void host_deallocate(void* ptr, size_t bytes);

/// Bytes of host blocks handed out and not yet given back (in the blocks' size classes),
/// and the most there have been since the last reset_host_peak(): how much tensor memory
/// a computation holds at once (tests check plans free intermediates at their last use).
struct HostMemoryStats {
  size_t live_bytes = 0;
  size_t peak_live_bytes = 0;
  size_t allocated_bytes = 0;  // handed out since the process started (what a call allocates
                               // is the difference across it)
};
HostMemoryStats host_memory_stats();
void reset_host_peak();

}  // namespace kiln::runtime
