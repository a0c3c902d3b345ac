// A stand-in for libnccl.so.2, loaded by kiln through $KILN_NCCL in tests on machines
// without a GPU, beside the fake CUDA driver (fake_cuda.cpp), whose "device" memory is host
// memory. Its collectives work for real between the processes of one job: the ranks of a
// communicator share a POSIX shared-memory file named by the unique id, each copies its
// buffer into its slot, waits for the others, and combines every slot in rank order. Each
// call is logged (fake_nccl_log) so a test can check the count, dtype and op kiln passed.
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace {

constexpr int kSuccess = 0, kUnhandledCuda = 1, kSystemError = 2, kInvalidArgument = 4;
constexpr int kUint8 = 1, kInt32 = 2, kInt64 = 4, kFloat32 = 7, kFloat64 = 8;
constexpr int kSum = 0, kMax = 2, kMin = 3;
constexpr size_t kSlotBytes = size_t{4} << 20;  // per rank and collective: small tensors
constexpr int kMaxRanks = 8;

struct Shared {
  std::atomic<uint32_t> arrived;
  std::atomic<uint32_t> generation;
};

struct Comm {
  int rank = 0, size = 1;
  char* region = nullptr;  // Shared, then size slots
  size_t bytes = 0;
  Shared& shared() { return *reinterpret_cast<Shared*>(region); }
  char* slot(int r) { return region + 64 + static_cast<size_t>(r) * kSlotBytes; }
  /// Every rank of the communicator reaches it before any leaves (sense by generation).
  bool barrier() {
    Shared& s = shared();
    const uint32_t gen = s.generation.load();
    if (s.arrived.fetch_add(1) + 1 == static_cast<uint32_t>(size)) {
      s.arrived.store(0);
      s.generation.fetch_add(1);
      return true;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (s.generation.load() == gen) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      sched_yield();
    }
    return true;
  }
};

std::mutex log_mutex;
std::string log_text;
void log_call(const char* what, size_t count, int dtype, int op, int root) {
  std::lock_guard<std::mutex> lock(log_mutex);
  char line[160];
  std::snprintf(line, sizeof line, "%s count=%zu dtype=%d op=%d root=%d\n", what, count, dtype, op,
                root);
  log_text += line;
}

size_t element_size(int dtype) {
  switch (dtype) {
    case kUint8:
      return 1;
    case kInt32:
    case kFloat32:
      return 4;
    case kInt64:
    case kFloat64:
      return 8;
  }
  return 0;
}

template <class T>
void combine(T* out, const T* in, size_t n, int op) {
  for (size_t i = 0; i < n; ++i) {
    if (op == kSum)
      out[i] = static_cast<T>(out[i] + in[i]);
    else if (op == kMax)
      out[i] = in[i] > out[i] ? in[i] : out[i];
    else
      out[i] = in[i] < out[i] ? in[i] : out[i];
  }
}

void combine_any(void* out, const void* in, size_t n, int dtype, int op) {
  switch (dtype) {
    case kUint8:
      return combine(static_cast<uint8_t*>(out), static_cast<const uint8_t*>(in), n, op);
    case kInt32:
      return combine(static_cast<int32_t*>(out), static_cast<const int32_t*>(in), n, op);
    case kInt64:
      return combine(static_cast<int64_t*>(out), static_cast<const int64_t*>(in), n, op);
    case kFloat32:
      return combine(static_cast<float*>(out), static_cast<const float*>(in), n, op);
    case kFloat64:
      return combine(static_cast<double*>(out), static_cast<const double*>(in), n, op);
  }
}

}  // namespace

extern "C" {

struct ncclUniqueId {
  char internal[128];
};

int ncclGetVersion(int* version) {
  *version = 21903;  // 2.19.3
  return kSuccess;
}

const char* ncclGetErrorString(int result) {
  switch (result) {
    case kSuccess:
      return "no error";
    case kSystemError:
      return "fake NCCL: a peer did not arrive (or shared memory failed)";
    case kInvalidArgument:
      return "fake NCCL: invalid argument";
  }
  return "fake NCCL: error";
}

int ncclGetUniqueId(ncclUniqueId* id) {
  static std::atomic<int> counter{0};
  std::memset(id->internal, 0, sizeof id->internal);
  std::snprintf(id->internal, sizeof id->internal, "/kiln-fake-nccl-%d-%d",
                static_cast<int>(getpid()), counter.fetch_add(1));
  return kSuccess;
}

int ncclCommInitRank(Comm** comm, int nranks, ncclUniqueId id, int rank) {
  if (nranks < 1 || nranks > kMaxRanks || rank < 0 || rank >= nranks) return kInvalidArgument;
  auto* c = new Comm;
  c->rank = rank;
  c->size = nranks;
  c->bytes = 64 + static_cast<size_t>(nranks) * kSlotBytes;
  const int fd = shm_open(id.internal, O_CREAT | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(c->bytes)) != 0) {
    delete c;
    return kSystemError;
  }
  void* region = mmap(nullptr, c->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (region == MAP_FAILED) {
    delete c;
    return kSystemError;
  }
  c->region = static_cast<char*>(region);  // zero-filled on creation: counters at 0
  if (!c->barrier()) return kSystemError;  // every rank has mapped it...
  if (rank == 0) shm_unlink(id.internal);  // ...so its name can go
  *comm = c;
  return kSuccess;
}

int ncclCommDestroy(Comm* comm) {
  if (comm != nullptr) munmap(comm->region, comm->bytes);
  delete comm;
  return kSuccess;
}

int ncclCommGetAsyncError(Comm*, int* error) {
  *error = kSuccess;
  return kSuccess;
}

int ncclAllReduce(const void* send, void* recv, size_t count, int dtype, int op, Comm* comm,
                  void* /*stream*/) {
  log_call("ncclAllReduce", count, dtype, op, -1);
  const size_t bytes = count * element_size(dtype);
  if (element_size(dtype) == 0 || bytes > kSlotBytes || (op != kSum && op != kMax && op != kMin))
    return kInvalidArgument;
  std::memcpy(comm->slot(comm->rank), send, bytes);
  if (!comm->barrier()) return kSystemError;
  std::memcpy(recv, comm->slot(0), bytes);
  for (int r = 1; r < comm->size; ++r) combine_any(recv, comm->slot(r), count, dtype, op);
  return comm->barrier() ? kSuccess : kSystemError;
}

int ncclAllGather(const void* send, void* recv, size_t count, int dtype, Comm* comm,
                  void* /*stream*/) {
  log_call("ncclAllGather", count, dtype, -1, -1);
  const size_t bytes = count * element_size(dtype);
  if (element_size(dtype) == 0 || bytes > kSlotBytes) return kInvalidArgument;
  std::memcpy(comm->slot(comm->rank), send, bytes);
  if (!comm->barrier()) return kSystemError;
  for (int r = 0; r < comm->size; ++r)
    std::memcpy(static_cast<char*>(recv) + static_cast<size_t>(r) * bytes, comm->slot(r), bytes);
  return comm->barrier() ? kSuccess : kSystemError;
}

int ncclBroadcast(const void* send, void* recv, size_t count, int dtype, int root, Comm* comm,
                  void* /*stream*/) {
  log_call("ncclBroadcast", count, dtype, -1, root);
  const size_t bytes = count * element_size(dtype);
  if (element_size(dtype) == 0 || bytes > kSlotBytes || root < 0 || root >= comm->size)
    return kInvalidArgument;
  if (comm->rank == root) std::memcpy(comm->slot(root), send, bytes);
  if (!comm->barrier()) return kSystemError;
  std::memcpy(recv, comm->slot(root), bytes);
  return comm->barrier() ? kSuccess : kSystemError;
}

/// The calls so far, one line each ("ncclAllReduce count=6 dtype=7 op=0 root=-1").
const char* fake_nccl_log() {
  std::lock_guard<std::mutex> lock(log_mutex);
  static std::string copy;
  copy = log_text;
  return copy.c_str();
}

}  // extern "C"
