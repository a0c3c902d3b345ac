// kiln::distributed over Gloo (Debian's libgloo, PyTorch's CPU collective library): a
// full mesh of TCP pairs on 127.0.0.1, met through Gloo's FileStore in the rendezvous
// folder; Gloo's ring algorithms for the collectives, with kiln's reduction functions (NaN
// and signed zeros combine the same whichever rank comes first; booleans as logic).
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "compiler/distributed/communicator.h"
#include "compiler/distributed/reduce_functions.h"
#include "runtime/dispatch.h"

namespace kiln::detail::distributed {
namespace {

using ReduceFn = void (*)(void*, const void*, const void*, size_t);

template <class T>
ReduceFn typed(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::mean:
      return &gloo::sum<T>;
    case ReduceOp::max:
      return &extreme<T, true>;
    case ReduceOp::min:
      return &extreme<T, false>;
  }
  return nullptr;
}

ReduceFn reduce_fn(DType dtype, ReduceOp op) {
  return dispatch_dtype(dtype, [&]<class T>() -> ReduceFn {
    if constexpr (std::is_same_v<T, uint8_t>)  // booleans
      return op == ReduceOp::min ? &logic<false> : &logic<true>;
    else
      return typed<T>(op);
  });
}

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
    if (count == 0) return;
    guarded([&] {
      gloo::AllreduceOptions options(context_);
      // Gloo hands the reduction function counts of the output's element type. An input of
      // its own is read by Gloo's ring as it goes (no copy into the output first).
      dispatch_dtype(dtype, [&]<class T>() {
        if (in != out) options.setInput(static_cast<T*>(const_cast<void*>(in)), count);
        options.setOutput(static_cast<T*>(out), count);
      });
      tag_and_time(options, tag);
      options.setReduceFunction(reduce_fn(dtype, op));
      gloo::allreduce(options);
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
