#include "runtime/object_pool.h"

#include <new>

#include "runtime/thread_instance.h"

namespace kiln::runtime {
namespace {

constexpr size_t kGranule = 16;  // operator new's alignment on this platform
constexpr size_t kClasses = kPooledBytes / kGranule;
constexpr size_t kPerClass = 64;  // what one thread keeps idle per size

struct FreeBlock {
  FreeBlock* next;
};

class Pool {
 public:
  void* take(size_t cls) {
    FreeBlock* b = head_[cls];
    if (b == nullptr) return nullptr;
    head_[cls] = b->next;
    --count_[cls];
    return b;
  }
  bool put(void* p, size_t cls) {
    if (count_[cls] >= kPerClass) return false;
    auto* b = static_cast<FreeBlock*>(p);
    b->next = head_[cls];
    head_[cls] = b;
    ++count_[cls];
    return true;
  }
  ~Pool() {
    for (FreeBlock*& head : head_)
      while (head != nullptr) {
        FreeBlock* next = head->next;
        ::operator delete(head);
        head = next;
      }
  }

 private:
  FreeBlock* head_[kClasses] = {};
  size_t count_[kClasses] = {};
};

// This thread's pool; null once the thread has ended (a block given back later, by
// another thread_local's destructor, goes to operator delete).
Pool* pool() { return thread_instance<Pool>(); }

size_t class_of(size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }

}  // namespace

void* pool_allocate(size_t bytes) {
  if (bytes == 0 || bytes > kPooledBytes) return ::operator new(bytes);
  const size_t cls = class_of(bytes);
  if (Pool* p = pool())
    if (void* block = p->take(cls)) return block;
  return ::operator new((cls + 1) * kGranule);
}

void pool_deallocate(void* block, size_t bytes) noexcept {
  if (block == nullptr) return;
  if (bytes != 0 && bytes <= kPooledBytes)
    if (Pool* p = pool(); p != nullptr && p->put(block, class_of(bytes))) return;
  ::operator delete(block);
}

}  // namespace kiln::runtime
