// The host caching allocator: steady-state eager calls and compiled plans reuse memory
// instead of paying page faults for fresh mmap'd blocks (TOOLCHAIN.md, "Allocation").
#pragma once

#include <cstddef>

namespace kiln::runtime {

/// 64-byte aligned; never returns null (throws kiln::Error when memory is exhausted).
void* host_allocate(size_t bytes);
void host_deallocate(void* ptr, size_t bytes);

}  // namespace kiln::runtime
