// NCCL for the collectives of CUDA tensors: libnccl.so.2 found at run time ($KILN_NCCL
// first), as cuBLAS is, so a machine without it builds and runs kiln (its CUDA tensors are
// then staged through the host engine). One NCCL communicator per group and device, made
// by every rank of the group together on its first CUDA collective: rank 0's unique id
// travels over the group's host engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/distributed/communicator.h"
#include "kiln/dtype.h"

namespace kiln::detail::distributed {

/// Why NCCL cannot be used here ("" when it can).
const std::string& nccl_problem();

class NcclCommunicator {
 public:
  /// Collective: every rank of `host`'s group calls it, `tag` its collective's tag.
  NcclCommunicator(Communicator& host, uint32_t tag, Device device);
  ~NcclCommunicator();
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  Device device() const { return device_; }
  /// `count` elements of `dtype` at device address `in` combined into `out` (sum, max, min:
  /// a mean is a sum the caller divides), queued on `stream`.
  void all_reduce(const void* in, void* out, size_t count, DType dtype, ReduceOp op, void* stream);
  /// Each rank's `bytes` at `in` into `out` (size * bytes) in rank order.
  void all_gather(const void* in, void* out, size_t bytes, void* stream);
  /// Rank `root`'s `bytes` at `in` into every rank's `out`.
  void broadcast(const void* in, void* out, size_t bytes, int root, void* stream);

 private:
  void* comm_ = nullptr;
  Device device_;
};

}  // namespace kiln::detail::distributed
