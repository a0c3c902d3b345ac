// kiln::distributed over MPI (Open MPI, as cluster users launch with mpirun or Slurm): the
// process's MPI_COMM_WORLD and its splits. All-reduces from 256 KiB on are kiln's ring
// (ring_all_reduce.h) over MPI_Isend/MPI_Irecv; the rest are MPI's nonblocking forms, each polled
// until it completes or the timeout passes (MPI itself never times out: a rank that never
// comes would hang the others). Max and min are kiln's reductions (reduce_functions.h) as
// MPI user ops, so NaN and signed zeros combine as on Gloo; booleans are bytes under MPI's
// bitwise or and and.
// MPI's C interface only (Open MPI's mpi.h otherwise pulls in its deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "compiler/distributed/communicator.h"
#include "compiler/distributed/reduce_functions.h"
#include "compiler/distributed/ring_all_reduce.h"

namespace kiln::detail::distributed {
namespace {

std::string mpi_error(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw CommError(std::string(what) + ": " + mpi_error(code));
}

template <class T, bool larger>
void mpi_extreme(void* in, void* inout, int* length, MPI_Datatype*) {
  extreme<T, larger>(inout, in, inout, static_cast<size_t>(*length));
}

/// kiln's max and min per floating dtype, made once after MPI_Init.
struct UserOps {
  MPI_Op max_f32, min_f32, max_f64, min_f64;
};
UserOps& user_ops() {
  static UserOps ops = [] {
    UserOps o{};
    check(MPI_Op_create(&mpi_extreme<float, true>, 1, &o.max_f32), "MPI_Op_create");
    check(MPI_Op_create(&mpi_extreme<float, false>, 1, &o.min_f32), "MPI_Op_create");
    check(MPI_Op_create(&mpi_extreme<double, true>, 1, &o.max_f64), "MPI_Op_create");
    check(MPI_Op_create(&mpi_extreme<double, false>, 1, &o.min_f64), "MPI_Op_create");
    return o;
  }();
  return ops;
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return MPI_FLOAT;
    case DType::f64:
      return MPI_DOUBLE;
    case DType::i32:
      return MPI_INT32_T;
    case DType::i64:
      return MPI_INT64_T;
    case DType::boolean:
      return MPI_UINT8_T;
  }
  throw CommError("no MPI type for this dtype");
}

MPI_Op mpi_op(DType dtype, ReduceOp op) {
  const bool sum = op == ReduceOp::sum || op == ReduceOp::mean;
  if (dtype == DType::boolean) return op == ReduceOp::min ? MPI_BAND : MPI_BOR;
  if (sum) return MPI_SUM;
  const bool max = op == ReduceOp::max;
  if (dtype == DType::f32) return max ? user_ops().max_f32 : user_ops().min_f32;
  if (dtype == DType::f64) return max ? user_ops().max_f64 : user_ops().min_f64;
  return max ? MPI_MAX : MPI_MIN;  // integers: MPI's are exact
}

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(MPI_Comm comm, std::chrono::milliseconds timeout, bool owned)
      : comm_(comm), timeout_(timeout), owned_(owned) {
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned_ && !finalized) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const char* engine() const override { return "mpi"; }

  void all_reduce(const void* in, void* out, size_t count, DType dtype, ReduceOp op,
                  uint32_t) override {
    const size_t element = dtype_size(dtype);
    if (size_ > 1 && count * element >= kRingMinBytes) {
      MpiRingLink link(*this);
      ring_all_reduce(link, rank_, size_, in, out, count, element, reduce_function(dtype, op));
      return;
    }
    // MPI counts are ints: large buffers go in pieces.
    for (size_t done = 0; done < count;) {
      const int n = static_cast<int>(std::min<size_t>(count - done, INT_MAX));
      MPI_Request request;
      const void* send = in == out ? MPI_IN_PLACE : static_cast<const char*>(in) + done * element;
      check(MPI_Iallreduce(send, static_cast<char*>(out) + done * element, n, mpi_type(dtype),
                           mpi_op(dtype, op), comm_, &request),
            "MPI_Iallreduce");
      wait(request);
      done += static_cast<size_t>(n);
    }
  }

  void all_gather(const void* in, void* out, size_t bytes, uint32_t) override {
    if (bytes == 0) return;
    if (bytes > INT_MAX) throw CommError("an all-gather of more than 2 GiB per rank");
    MPI_Request request;
    check(MPI_Iallgather(in, static_cast<int>(bytes), MPI_BYTE, out, static_cast<int>(bytes),
                         MPI_BYTE, comm_, &request),
          "MPI_Iallgather");
    wait(request);
  }

  void broadcast(void* data, size_t bytes, int root, uint32_t) override {
    for (size_t done = 0; done < bytes;) {
      const int n = static_cast<int>(std::min<size_t>(bytes - done, INT_MAX));
      MPI_Request request;
      check(MPI_Ibcast(static_cast<char*>(data) + done, n, MPI_BYTE, root, comm_, &request),
            "MPI_Ibcast");
      wait(request);
      done += static_cast<size_t>(n);
    }
  }

  void barrier(uint32_t) override {
    MPI_Request request;
    check(MPI_Ibarrier(comm_, &request), "MPI_Ibarrier");
    wait(request);
  }

  std::unique_ptr<Communicator> subgroup(const std::vector<int>& members,
                                         const std::string&) override {
    // Every rank of this group calls it with its own members: the lowest member names the
    // new group (its color), the position orders it.
    int color = INT_MAX, key = -1;
    for (size_t i = 0; i < members.size(); ++i) {
      color = std::min(color, members[i]);
      if (members[i] == rank_) key = static_cast<int>(i);
    }
    if (key < 0) throw CommError("internal error: a subgroup without this rank");
    MPI_Comm sub;
    check(MPI_Comm_split(comm_, color, key, &sub), "MPI_Comm_split");
    return std::make_unique<MpiCommunicator>(sub, timeout_, true);
  }

 private:
  // From 256 KiB on, kiln's ring over MPI's point-to-point calls: Open MPI's nonblocking
  // all-reduce (libnbc) ran at 67-83% of its blocking one from 256 KiB to 4 MiB, the ring
  // at 85-118% (2 ranks, kiln-bench --distributed); at 64 KiB the ring's 62-76% was no
  // better than libnbc's 74%, and below that the nonblocking call's fewer messages win.
  static constexpr size_t kRingMinBytes = size_t{256} << 10;

  /// The ring's links over MPI_Isend/MPI_Irecv on this communicator (its own tag: point to
  /// point never matches a collective's messages), each wait polled against the timeout.
  class MpiRingLink final : public RingLink {
   public:
    explicit MpiRingLink(const MpiCommunicator& comm)
        : comm_(comm),
          next_((comm.rank_ + comm.size_ - 1) % comm.size_),
          prev_((comm.rank_ + 1) % comm.size_) {}
    ~MpiRingLink() override {
      // Transfers left by a failure: cancelled so MPI forgets this memory (the group is
      // broken from then on).
      for (auto* pending : {&sends_, &recvs_})
        for (MPI_Request& request : *pending) {
          MPI_Cancel(&request);
          MPI_Request_free(&request);
        }
    }
    void bind(const void*, void*, size_t, void*, size_t) override {}
    void start_send(const void* data, size_t bytes) override {
      sends_.emplace_back();
      check(MPI_Isend(data, static_cast<int>(bytes), MPI_BYTE, next_, kRingTag, comm_.comm_,
                      &sends_.back()),
            "MPI_Isend");
    }
    void start_recv(void* data, size_t bytes) override {
      recvs_.emplace_back();
      check(MPI_Irecv(data, static_cast<int>(bytes), MPI_BYTE, prev_, kRingTag, comm_.comm_,
                      &recvs_.back()),
            "MPI_Irecv");
    }
    void wait_send() override { finish(sends_); }
    void wait_recv() override { finish(recvs_); }

   private:
    static constexpr int kRingTag = 0x4b;
    void finish(std::deque<MPI_Request>& pending) {
      comm_.wait(pending.front());
      pending.pop_front();
    }
    const MpiCommunicator& comm_;
    int next_, prev_;
    std::deque<MPI_Request> sends_, recvs_;
  };

  /// Polls `request` until it completes, or throws "timed out" after the timeout (the
  /// request stays outstanding: the group is broken from then on).
  void wait(MPI_Request& request) const {
    // Open MPI advances a nonblocking collective inside MPI_Test, so it is called back to
    // back (as a blocking call spins); past the first milliseconds the core is offered to
    // the ranks that share it between calls.
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout_;
    for (uint64_t polls = 0;; ++polls) {
      int done = 0;
      check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) return;
      if (polls % 1024 != 1023) continue;
      const auto now = std::chrono::steady_clock::now();
      if (now > deadline)
        throw CommError("timed out after " + std::to_string(timeout_.count()) +
                        " ms waiting for the other ranks");
      if (now - start > std::chrono::milliseconds(5)) std::this_thread::yield();
    }
  }

  MPI_Comm comm_;
  std::chrono::milliseconds timeout_;
  bool owned_;
  int rank_ = 0, size_ = 1;
};

}  // namespace

bool mpi_available() { return true; }

std::unique_ptr<Communicator> make_mpi_communicator(std::chrono::milliseconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      // Collectives run on the caller's thread or kiln's communication thread, never two
      // at once: serialized is enough.
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
      if (provided < MPI_THREAD_SERIALIZED)
        throw CommError("this MPI gives thread support level " + std::to_string(provided) +
                        "; kiln needs MPI_THREAD_SERIALIZED");
      std::atexit(finalize_at_exit);
    }
    // Errors come back as codes (kiln::Errors), not as a job abort.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  });
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, timeout, false);
}

}  // namespace kiln::detail::distributed
