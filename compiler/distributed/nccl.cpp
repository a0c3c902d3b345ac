// NCCL loaded at run time (nccl.h): its entry points, its enums as NCCL 2 defines them, and
// the communicator kiln keeps per group.
#include "compiler/distributed/nccl.h"

#include <cstring>

#include "kernels/cuda/library.h"

namespace kiln::detail::distributed {
namespace {

struct UniqueId {
  char internal[128];
};
using Result = int;
constexpr Result kSuccess = 0;
// ncclDataType_t and ncclRedOp_t values.
constexpr int kUint8 = 1, kInt32 = 2, kInt64 = 4, kFloat32 = 7, kFloat64 = 8;
constexpr int kSum = 0, kMax = 2, kMin = 3;

struct Nccl {
  Result (*get_unique_id)(UniqueId*) = nullptr;
  Result (*comm_init_rank)(void**, int, UniqueId, int) = nullptr;
  Result (*comm_destroy)(void*) = nullptr;
  Result (*all_reduce)(const void*, void*, size_t, int, int, void*, void*) = nullptr;
  Result (*all_gather)(const void*, void*, size_t, int, void*, void*) = nullptr;
  Result (*broadcast)(const void*, void*, size_t, int, int, void*, void*) = nullptr;
  const char* (*error_string)(Result) = nullptr;
  std::string problem;
};

const Nccl& nccl() {
  static const Nccl api = [] {
    Nccl n;
    static kernels::cuda::CudaLibrary lib("KILN_NCCL", "libnccl.so.2", "libnccl.so.2");
    lib.get(n.get_unique_id, "ncclGetUniqueId");
    lib.get(n.comm_init_rank, "ncclCommInitRank");
    lib.get(n.comm_destroy, "ncclCommDestroy");
    lib.get(n.all_reduce, "ncclAllReduce");
    lib.get(n.all_gather, "ncclAllGather");
    lib.get(n.broadcast, "ncclBroadcast");
    lib.get(n.error_string, "ncclGetErrorString");
    n.problem = lib.problem();
    return n;
  }();
  return api;
}

void check(Result r, const char* what) {
  if (r != kSuccess)
    throw CommError(std::string(what) + ": " +
                    (nccl().error_string ? nccl().error_string(r) : "error") + " (NCCL " +
                    std::to_string(r) + ")");
}

int nccl_type(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return kFloat32;
    case DType::f64:
      return kFloat64;
    case DType::i32:
      return kInt32;
    case DType::i64:
      return kInt64;
    case DType::boolean:
      return kUint8;
  }
  throw CommError("no NCCL type for this dtype");
}

}  // namespace

const std::string& nccl_problem() { return nccl().problem; }

NcclCommunicator::NcclCommunicator(Communicator& host, uint32_t tag, Device device)
    : device_(device) {
  if (!nccl_problem().empty()) throw CommError(nccl_problem());
  UniqueId id{};
  if (host.rank() == 0) check(nccl().get_unique_id(&id), "ncclGetUniqueId");
  host.broadcast(&id, sizeof id, 0, tag);
  check(nccl().comm_init_rank(&comm_, host.size(), id, host.rank()), "ncclCommInitRank");
}

NcclCommunicator::~NcclCommunicator() {
  if (comm_ != nullptr) nccl().comm_destroy(comm_);
}

void NcclCommunicator::all_reduce(const void* in, void* out, size_t count, DType dtype, ReduceOp op,
                                  void* stream) {
  // Booleans are bytes 0 and 1: or is their max, and their min.
  const int nccl_op = op == ReduceOp::max       ? kMax
                      : op == ReduceOp::min     ? kMin
                      : dtype == DType::boolean ? kMax
                                                : kSum;
  check(nccl().all_reduce(in, out, count, nccl_type(dtype), nccl_op, comm_, stream),
        "ncclAllReduce");
}

void NcclCommunicator::all_gather(const void* in, void* out, size_t bytes, void* stream) {
  check(nccl().all_gather(in, out, bytes, kUint8, comm_, stream), "ncclAllGather");
}

void NcclCommunicator::broadcast(const void* in, void* out, size_t bytes, int root, void* stream) {
  check(nccl().broadcast(in, out, bytes, kUint8, root, comm_, stream), "ncclBroadcast");
}

}  // namespace kiln::detail::distributed
