// One object per thread, made on first use and destroyed when the thread ends: the
// lock-free caches of the allocators (runtime/allocator.cpp, runtime/object_pool.cpp).
#pragma once

namespace kiln::runtime {

/// This thread's T, or null once the thread has ended: a caller that runs later (another
/// thread_local's destructor dropping a tensor) must do without it.
template <class T>
T* thread_instance() {
  thread_local T* instance = nullptr;
  thread_local bool gone = false;
  if (instance == nullptr && !gone) {
    struct Owner {
      ~Owner() {
        delete instance;
        instance = nullptr;
        gone = true;
      }
    };
    thread_local Owner owner;  // destroyed, with the instance, when the thread ends
    instance = new T;
  }
  return instance;
}

}  // namespace kiln::runtime
