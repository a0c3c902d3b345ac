// What a kiln::distributed::Group shares: its communicator (and NCCL's), its name, the number of
// collectives run so far (every rank counts the same: errors and the debug check name it),
// and whether a failure broke it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "compiler/distributed/communicator.h"
#include "compiler/distributed/nccl.h"

namespace kiln::distributed::detail {

struct GroupState {
  std::string name;
  std::unique_ptr<kiln::detail::distributed::Communicator> comm;
  std::mutex mutex;       // one collective of a group at a time
  uint64_t sequence = 0;  // collectives started, split included
  uint64_t splits = 0;
  std::string broken;  // why an earlier collective failed; then every later one refuses
  // NCCL for CUDA tensors, made by the group's first CUDA collective (when NCCL loads).
  std::unique_ptr<kiln::detail::distributed::NcclCommunicator> nccl;
};

}  // namespace kiln::distributed::detail
