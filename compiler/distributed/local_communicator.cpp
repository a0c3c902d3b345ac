// A world of one (kiln::distributed with nothing configured): every collective is the
// identity, and nothing is opened.
#include <cstring>

#include "compiler/distributed/communicator.h"

namespace kiln::detail::distributed {
namespace {

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  const char* engine() const override { return "local"; }
  void all_reduce(const void* in, void* out, size_t count, DType dtype, ReduceOp,
                  uint32_t) override {
    if (in != out && count > 0) std::memcpy(out, in, count * dtype_size(dtype));
  }
  void all_gather(const void* in, void* out, size_t bytes, uint32_t) override {
    if (bytes > 0) std::memcpy(out, in, bytes);
  }
  void broadcast(void*, size_t, int, uint32_t) override {}
  void barrier(uint32_t) override {}
  std::unique_ptr<Communicator> subgroup(const std::vector<int>&, const std::string&) override {
    return make_local_communicator();
  }
};

}  // namespace

std::unique_ptr<Communicator> make_local_communicator() {
  return std::make_unique<LocalCommunicator>();
}

}  // namespace kiln::detail::distributed
