// kiln::distributed over Gloo (Debian's libgloo, PyTorch's CPU collective library): a
// full mesh of TCP pairs on 127.0.0.1, met through Gloo's FileStore in the rendezvous
// folder; Gloo's algorithms for the collectives (kiln's own ring for the all-reduce,
// ring_all_reduce.h), with kiln's reduction functions (NaN and signed zeros combine the same
// whichever rank comes first; booleans as logic).
#include <gloo/allgather.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <gloo/transport/unbound_buffer.h>
#include <gloo/types.h>

#include <cstdint>
#include <deque>
#include <utility>

#include "compiler/distributed/communicator.h"
#include "compiler/distributed/reduce_functions.h"
#include "compiler/distributed/ring_all_reduce.h"

namespace kiln::detail::distributed {
namespace {

// Gloo's slots for kiln's ring: Gloo's own collectives use prefixes 0x01-0x08 (gloo/types.h).
constexpr uint8_t kRingSlotPrefix = 0x4b;

/// The ring's links over Gloo's TCP pairs: unbound buffers over the input, the output and
/// the scratch (Gloo sends from and receives into memory it was given beforehand). Gloo
/// counts completions per buffer, so each wait goes to the buffer its transfer used.
class GlooRingLink final : public RingLink {
 public:
  GlooRingLink(gloo::Context& context, uint32_t tag, std::chrono::milliseconds timeout)
      : context_(context),
        slot_(gloo::Slot::build(kRingSlotPrefix, tag)),
        timeout_(timeout),
        next_((context.rank + context.size - 1) % context.size),
        prev_((context.rank + 1) % context.size) {}

  void bind(const void* in, void* out, size_t bytes, void* scratch, size_t scratch_bytes) override {
    buffers_[0] = context_.createUnboundBuffer(out, bytes);
    buffers_[1] = in == out ? nullptr : context_.createUnboundBuffer(const_cast<void*>(in), bytes);
    buffers_[2] = context_.createUnboundBuffer(scratch, scratch_bytes);
  }
  void start_send(const void* data, size_t bytes) override {
    auto [buffer, offset] = find(data);
    buffer->send(next_, slot_, offset, bytes);
    sends_.push_back(buffer);
  }
  void start_recv(void* data, size_t bytes) override {
    auto [buffer, offset] = find(data);
    buffer->recv(prev_, slot_, offset, bytes);
    recvs_.push_back(buffer);
  }
  void wait_send() override { finish(sends_, &gloo::transport::UnboundBuffer::waitSend); }
  void wait_recv() override { finish(recvs_, &gloo::transport::UnboundBuffer::waitRecv); }

 private:
  using Wait = bool (gloo::transport::UnboundBuffer::*)(int*, std::chrono::milliseconds);
  void finish(std::deque<gloo::transport::UnboundBuffer*>& pending, Wait wait) {
    gloo::transport::UnboundBuffer* buffer = pending.front();
    pending.pop_front();
    // False: the wait was aborted (nothing here aborts one; a failure all the same).
    if (!(buffer->*wait)(nullptr, timeout_)) throw CommError("a ring transfer was aborted");
  }
  std::pair<gloo::transport::UnboundBuffer*, size_t> find(const void* data) const {
    const auto* p = static_cast<const uint8_t*>(data);
    for (const auto& buffer : buffers_) {
      if (!buffer) continue;
      const auto* base = static_cast<const uint8_t*>(buffer->ptr);
      if (p >= base && p < base + buffer->size)
        return {buffer.get(), static_cast<size_t>(p - base)};
    }
    throw CommError("internal error: a ring transfer outside its buffers");
  }

  gloo::Context& context_;
  uint64_t slot_;
  std::chrono::milliseconds timeout_;
  int next_, prev_;
  std::unique_ptr<gloo::transport::UnboundBuffer> buffers_[3];  // out, in (or none), scratch
  std::deque<gloo::transport::UnboundBuffer*> sends_, recvs_;
};

class GlooCommunicator final : public Communicator {
 public:
  GlooCommunicator(std::shared_ptr<gloo::transport::Device> device, std::string folder,
                   std::chrono::milliseconds timeout, int rank, int size, const std::string& name)
      : device_(std::move(device)), folder_(std::move(folder)), timeout_(timeout) {
    guarded([&] {
      gloo::rendezvous::FileStore files(folder_);
      gloo::rendezvous::PrefixStore store(name, files);
      context_ = std::make_shared<gloo::rendezvous::Context>(rank, size);
      context_->setTimeout(timeout_);
      context_->connectFullMesh(store, device_);
    });
  }

  int rank() const override { return context_->rank; }
  int size() const override { return context_->size; }
  const char* engine() const override { return "gloo"; }

  void all_reduce(const void* in, void* out, size_t count, DType dtype, ReduceOp op,
                  uint32_t tag) override {
    guarded([&] {
      // A Gloo group has 2+ ranks (a group of one is the local communicator).
      GlooRingLink link(*context_, tag, timeout_);
      ring_all_reduce(link, rank(), size(), in, out, count, dtype_size(dtype),
                      reduce_function(dtype, op));
    });
  }

  void all_gather(const void* in, void* out, size_t bytes, uint32_t tag) override {
    if (bytes == 0) return;
    guarded([&] {
      gloo::AllgatherOptions options(context_);
      options.setInput(static_cast<char*>(const_cast<void*>(in)), bytes);
      options.setOutput(static_cast<char*>(out), bytes * static_cast<size_t>(size()));
      tag_and_time(options, tag);
      gloo::allgather(options);
    });
  }

  void broadcast(void* data, size_t bytes, int root, uint32_t tag) override {
    if (bytes == 0) return;
    guarded([&] {
      gloo::BroadcastOptions options(context_);
      options.setOutput(static_cast<char*>(data), bytes);
      options.setRoot(root);
      tag_and_time(options, tag);
      gloo::broadcast(options);
    });
  }

  void barrier(uint32_t tag) override {
    guarded([&] {
      gloo::BarrierOptions options(context_);
      tag_and_time(options, tag);
      gloo::barrier(options);
    });
  }

  std::unique_ptr<Communicator> subgroup(const std::vector<int>& members,
                                         const std::string& name) override {
    int index = -1;
    for (size_t i = 0; i < members.size(); ++i)
      if (members[i] == rank()) index = static_cast<int>(i);
    if (index < 0) throw CommError("internal error: a subgroup without this rank");
    if (members.size() == 1) return make_local_communicator();
    return std::make_unique<GlooCommunicator>(device_, folder_, timeout_, index,
                                              static_cast<int>(members.size()), name);
  }

 private:
  /// Every collective's options: its tag (the group's sequence number) and the timeout.
  template <class Options>
  void tag_and_time(Options& options, uint32_t tag) const {
    options.setTag(tag);
    options.setTimeout(timeout_);
  }
  template <class F>
  static void guarded(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw CommError(e.what());
    }
  }

  std::shared_ptr<gloo::transport::Device> device_;
  std::string folder_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<gloo::rendezvous::Context> context_;
};

}  // namespace

std::unique_ptr<Communicator> make_gloo_communicator(int rank, int size, const std::string& folder,
                                                     std::chrono::milliseconds timeout) {
  std::shared_ptr<gloo::transport::Device> device;
  try {
    gloo::transport::tcp::attr attr("127.0.0.1");
    device = gloo::transport::tcp::CreateDevice(attr);
  } catch (const std::exception& e) {
    throw CommError(e.what());
  }
  return std::make_unique<GlooCommunicator>(std::move(device), folder, timeout, rank, size,
                                            "world");
}

}  // namespace kiln::detail::distributed
