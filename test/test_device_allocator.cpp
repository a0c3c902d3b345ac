// The device caching allocator against a fake device (no GPU needed): steady state makes
// no device calls, size classes are reused, the cache limit holds, and running out of
// memory empties the cache before it becomes a clear error.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "kiln/error.h"
#include "runtime/device_allocator.h"

using kiln::runtime::CachingDeviceAllocator;

namespace {

/// A device with `capacity` bytes; pointers are distinct fake addresses.
class FakeDevice : public kiln::runtime::DeviceMemory {
 public:
  explicit FakeDevice(size_t capacity) : capacity_(capacity) {}
  uint64_t allocate(size_t bytes) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++allocations;
    if (used_ + bytes > capacity_) return 0;
    used_ += bytes;
    const uint64_t p = next_;
    next_ += bytes + 4096;
    sizes_[p] = bytes;
    return p;
  }
  void free(uint64_t p) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++frees;
    REQUIRE(sizes_.count(p) == 1);  // only what it handed out, once
    used_ -= sizes_[p];
    sizes_.erase(p);
  }
  std::string name() const override { return "cuda:0"; }
  size_t used() const { return used_; }

  size_t allocations = 0, frees = 0;

 private:
  std::mutex mutex_;
  size_t capacity_, used_ = 0;
  uint64_t next_ = 0x10000;
  std::map<uint64_t, size_t> sizes_;
};

}  // namespace

TEST_CASE("device allocator: steady state reuses blocks, no device calls", "[device]") {
  FakeDevice device(size_t{1} << 30);
  CachingDeviceAllocator alloc(device, size_t{256} << 20);
  // A step that allocates three buffers and frees them, like a plan's intermediates.
  auto step = [&] {
    uint64_t a = alloc.allocate(4000), b = alloc.allocate(1 << 20), c = alloc.allocate(3000);
    CHECK(std::set<uint64_t>{a, b, c}.size() == 3);
    alloc.release(a, 4000);
    alloc.release(b, 1 << 20);
    alloc.release(c, 3000);
  };
  step();
  const size_t warm = device.allocations;
  CHECK(warm == 3);
  for (int i = 0; i < 100; ++i) step();
  CHECK(device.allocations == warm);  // steady state: every block from the cache
  CHECK(device.frees == 0);
  // 4000 and 3000 bytes share the 4096-byte class: one block serves either.
  uint64_t x = alloc.allocate(4000);
  alloc.release(x, 4000);
  CHECK(alloc.allocate(3500) == x);
  alloc.release(x, 3500);
  CHECK(alloc.stats().live_bytes == 0);
  alloc.empty_cache();
  CHECK(device.used() == 0);
  CHECK(device.frees == device.allocations);
}

TEST_CASE("device allocator: cache limit, out of memory, clear error", "[device]") {
  FakeDevice device(8 << 20);
  SECTION("idle blocks past the limit go back to the device") {
    CachingDeviceAllocator alloc(device, 2 << 20);
    uint64_t a = alloc.allocate(2 << 20), b = alloc.allocate(2 << 20);
    alloc.release(a, 2 << 20);
    alloc.release(b, 2 << 20);  // the cache is full: this one is freed
    CHECK(alloc.stats().cached_bytes == (2u << 20));
    CHECK(device.frees == 1);
  }
  SECTION("out of memory: the cache is emptied and the request tried again") {
    CachingDeviceAllocator alloc(device, 64 << 20);
    uint64_t a = alloc.allocate(3 << 20), b = alloc.allocate(3 << 20);
    alloc.release(a, 3 << 20);
    alloc.release(b, 3 << 20);               // 6 MiB idle of 8
    uint64_t big = alloc.allocate(5 << 20);  // fits only once the idle blocks are freed
    CHECK(big != 0);
    CHECK(alloc.stats().cached_bytes == 0);
    CHECK_THROWS_WITH(alloc.allocate(4 << 20),
                      Catch::Contains("cuda:0 is out of memory allocating 4194304 bytes"));
    alloc.release(big, 5 << 20);
  }
}

TEST_CASE("device allocator: threads allocating at once keep the books", "[device][concurrency]") {
  FakeDevice device(size_t{1} << 30);
  CachingDeviceAllocator alloc(device, size_t{1} << 30);
  auto work = [&](size_t bytes) {
    for (int i = 0; i < 2000; ++i) {
      uint64_t p = alloc.allocate(bytes);
      alloc.release(p, bytes);
    }
  };
  std::thread t1(work, 1000), t2(work, 70000);
  t1.join();
  t2.join();
  const auto s = alloc.stats();
  CHECK(s.live_bytes == 0);
  CHECK(s.device_allocations <= 4);  // at most two blocks per size at once
  CHECK(s.cached_bytes == device.used());
}
