#include "runtime/profiler.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>

namespace kiln::runtime::profiler {
namespace {

// Each thread appends to a buffer of its own (its mutex is taken by that thread and by
// readers only, so recording threads do not contend); the registry holds every buffer,
// and keeps those of threads that have ended.
struct Buffer {
  std::mutex mutex;
  std::vector<Event> events;
  uint32_t thread = 0;
};

struct Registry {
  std::mutex mutex;
  std::vector<std::shared_ptr<Buffer>> buffers;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: threads may record at exit
  return *r;
}

Buffer& this_thread_buffer() {
  thread_local std::shared_ptr<Buffer> buffer = [] {
    auto b = std::make_shared<Buffer>();
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    b->thread = static_cast<uint32_t>(r.buffers.size());
    r.buffers.push_back(b);
    return b;
  }();
  return *buffer;
}

}  // namespace

uint64_t now_ns() noexcept {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

bool start() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (detail::recording.load()) return false;
  for (auto& b : r.buffers) {
    std::lock_guard<std::mutex> guard(b->mutex);
    b->events.clear();
  }
  detail::recording.store(true);
  return true;
}

void stop() { detail::recording.store(false); }

void record(Event e) {
  Buffer& b = this_thread_buffer();
  e.thread = b.thread;
  std::lock_guard<std::mutex> lock(b.mutex);
  b.events.push_back(std::move(e));
}

std::vector<Event> events() {
  std::vector<Event> all;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& b : r.buffers) {
    std::lock_guard<std::mutex> guard(b->mutex);
    all.insert(all.end(), b->events.begin(), b->events.end());
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Event& a, const Event& b) { return a.start_ns < b.start_ns; });
  return all;
}

size_t event_count() {
  size_t n = 0;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& b : r.buffers) {
    std::lock_guard<std::mutex> guard(b->mutex);
    n += b->events.size();
  }
  return n;
}

}  // namespace kiln::runtime::profiler
