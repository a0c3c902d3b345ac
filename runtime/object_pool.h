// A per-thread free list of small fixed-size blocks, for the shared state of tensors
// (std::allocate_shared of TensorImpl and Buffer): a tensor made and dropped at every op
// of a plan then costs no malloc/free pair for its bookkeeping, only for its shape.
#pragma once

#include <cstddef>

namespace kiln::runtime {

/// Blocks up to kPooledBytes come from this thread's free list (refilled from and spilled
/// to operator new/delete); larger ones go to operator new/delete directly. A block may be
/// given back on another thread than the one it came from.
inline constexpr size_t kPooledBytes = 256;
void* pool_allocate(size_t bytes);
void pool_deallocate(void* p, size_t bytes) noexcept;

/// An allocator for std::allocate_shared over the pool.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit
  T* allocate(size_t n) { return static_cast<T*>(pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { pool_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace kiln::runtime
