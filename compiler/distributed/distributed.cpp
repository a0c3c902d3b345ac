// kiln::distributed's API (kiln/distributed.h): init from options or the environment, the
// world and its splits (each known by name, as traced collectives name them), and the
// collectives. Inside a kiln::function trace a collective is recorded as an op of the graph
// (kiln.all_reduce, ...); run, it checks its operand, stages it to the host, optionally
// compares every rank's fingerprint of the call (KILN_DISTRIBUTED_DEBUG), runs it on the
// group's communicator and turns an engine failure into a kiln::Error that names the
// collective, the group, its sequence number and the caller's line.
#include "kiln/distributed.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "compiler/autodiff/tape.h"
#include "compiler/distributed/collectives.h"
#include "compiler/distributed/group_state.h"
#include "compiler/ops/op_support.h"
#include "compiler/trace/trace_api.h"
#include "kiln/error.h"
#include "kiln/ops.h"
#include "runtime/cuda_device.h"
#include "runtime/shape_rules.h"
#include "runtime/tensor_impl.h"

namespace kiln::distributed {

namespace comm = kiln::detail::distributed;
using detail::GroupState;

namespace {

struct World {
  std::mutex mutex;
  std::shared_ptr<GroupState> state;
  InitOptions resolved;  // what init connected with
};
World& the_world() {
  static World world;
  return world;
}

[[noreturn]] void fail(const std::string& message) { throw Error("[distributed] " + message); }

/// Every live group by name: what a traced collective's `group` attribute finds.
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<GroupState>> groups;
};
Registry& registry() {
  static Registry r;
  return r;
}
void register_group(const std::shared_ptr<GroupState>& g) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.groups[g->name] = g;
}

/// An environment variable as an int; nothing if unset; an error naming it if not a number.
std::optional<int> env_int(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > (1 << 24))
    fail(std::string(name) + "='" + text + "' is not a rank or a number of ranks");
  return static_cast<int>(value);
}

InitOptions resolve(InitOptions o) {
  if (o.backend.empty())
    if (const char* text = std::getenv("KILN_BACKEND"); text && *text) o.backend = text;
  if (o.backend.empty()) o.backend = "auto";
  if (o.backend != "auto" && o.backend != "gloo" && o.backend != "mpi" && o.backend != "nccl")
    fail("init: backend '" + o.backend + "': kiln has 'auto', 'gloo', 'mpi' and 'nccl'");
  if (o.backend == "nccl") {
    // NCCL for CUDA tensors (as auto does whenever it loads), required; the host engine as
    // auto picks it.
    if (!comm::nccl_problem().empty()) fail("init: backend 'nccl': " + comm::nccl_problem());
    o.backend = "auto";
  }
  if (o.rendezvous.empty())
    if (const char* text = std::getenv("KILN_RENDEZVOUS")) o.rendezvous = text;
  // Launched by mpirun (Open MPI's environment) and not by kiln-launch: MPI.
  const bool mpirun = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  if (o.backend == "auto" && mpirun && o.rendezvous.empty() && comm::mpi_available())
    o.backend = "mpi";
  if (o.rank < 0)
    o.rank = env_int("KILN_RANK").value_or(env_int("OMPI_COMM_WORLD_RANK").value_or(-1));
  if (o.world_size < 0)
    o.world_size =
        env_int("KILN_WORLD_SIZE").value_or(env_int("OMPI_COMM_WORLD_SIZE").value_or(-1));
  if (o.rank < 0 && o.world_size < 0) o.rank = 0, o.world_size = 1;  // nothing configured
  if (o.rank < 0 || o.world_size < 1)
    fail("init: a rank needs a world size and the other way round (rank " + std::to_string(o.rank) +
         ", world size " + std::to_string(o.world_size) +
         "; KILN_RANK and KILN_WORLD_SIZE, which kiln-launch sets)");
  if (o.rank >= o.world_size)
    fail("init: rank " + std::to_string(o.rank) + " of a world of " + std::to_string(o.world_size));
  if (o.timeout.count() <= 0) {
    o.timeout = std::chrono::milliseconds(300'000);
    if (const char* text = std::getenv("KILN_DISTRIBUTED_TIMEOUT"); text && *text) {
      char* end = nullptr;
      const double seconds = std::strtod(text, &end);
      if (*end != '\0' || !(seconds > 0))
        fail(std::string("KILN_DISTRIBUTED_TIMEOUT='") + text + "' is not a number of seconds > 0");
      o.timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    }
  }
  return o;
}

std::string rank_text(const GroupState& g) {
  return "group '" + g.name + "' (rank " + std::to_string(g.comm->rank()) + " of " +
         std::to_string(g.comm->size()) + ")";
}

/// KILN_DISTRIBUTED_DEBUG, read once: every collective asks.
bool debug_checks() {
  static const bool on = [] {
    const char* text = std::getenv("KILN_DISTRIBUTED_DEBUG");
    return text != nullptr && *text != '\0' && std::strcmp(text, "0") != 0;
  }();
  return on;
}

/// What every rank must agree on before a collective runs (KILN_DISTRIBUTED_DEBUG=1).
struct Fingerprint {
  uint32_t kind;  // the collective
  int32_t dtype;  // -1: none (barrier, split)
  int32_t root;
  int32_t rank;
  uint64_t sequence;
  int64_t rank_count;  // dims in use
  int64_t dims[8];
};

const char* const kKinds[] = {"all_reduce", "all_gather", "broadcast", "barrier", "split"};

std::string describe(const Fingerprint& f) {
  std::string s = std::string(kKinds[f.kind]) + " #" + std::to_string(f.sequence);
  if (f.dtype >= 0) {
    s += " of " + std::string(dtype_name(static_cast<DType>(f.dtype))) + " (";
    for (int64_t d = 0; d < f.rank_count && d < 8; ++d)
      s += (d ? ", " : "") + std::to_string(f.dims[d]);
    s += f.rank_count == 1 ? ",)" : ")";
  }
  if (f.root >= 0) s += " from root " + std::to_string(f.root);
  return s;
}

/// One collective call: its checks, its error messages, its engine call.
class Call {
 public:
  Call(const char* op, const Group& group, const std::source_location& loc, const Tensor* x)
      : op_(op), loc_(loc), site_(op, &loc_), x_(x), group_(*group.state()) {
    if (x != nullptr) kiln::detail::check_operands(site_, {x});
  }

  /// Runs `body` on the communicator, after the debug check, as collective number n.
  template <class Body>
  void run(uint32_t kind, int root, Body&& body) {
    std::lock_guard<std::mutex> lock(group_.mutex);
    if (!group_.broken.empty())
      error("the group failed before (" + group_.broken + ") and cannot run collectives");
    const uint64_t sequence = group_.sequence++;
    const uint32_t tag = static_cast<uint32_t>(sequence * 2);
    try {
      if (debug_checks() && group_.comm->size() > 1)
        compare_fingerprints(kind, root, sequence, tag + 1);
      body(tag);
    } catch (const comm::CommError& e) {
      group_.broken = e.what();
      const std::string what = e.what();
      const bool closed = what.find("closed") != std::string::npos ||
                          what.find("reset") != std::string::npos ||
                          what.find("Connection") != std::string::npos;
      const bool timed_out = what.find("imed out") != std::string::npos;
      error("collective #" + std::to_string(sequence) + " of " + rank_text(group_) +
            (timed_out ? " timed out waiting for the other ranks"
             : closed  ? ": a peer closed its connection (did a rank exit?)"
                       : " failed") +
            " [" + group_.comm->engine() + ": " + what + "]");
    }
  }

  [[noreturn]] void error(const std::string& message) const {
    if (x_ != nullptr) kiln::detail::throw_op_error(site_, message, {x_});
    kiln::detail::throw_op_error(site_, message, {});
  }

  GroupState& group() { return group_; }

 private:
  void compare_fingerprints(uint32_t kind, int root, uint64_t sequence, uint32_t tag) {
    Fingerprint mine{};
    mine.kind = kind;
    mine.dtype = x_ != nullptr ? static_cast<int32_t>(x_->dtype()) : -1;
    mine.root = root;
    mine.rank = group_.comm->rank();
    mine.sequence = sequence;
    if (x_ != nullptr) {
      const Shape& shape = x_->shape();
      mine.rank_count = static_cast<int64_t>(shape.size());
      for (size_t d = 0; d < shape.size() && d < 8; ++d) mine.dims[d] = shape[d];
    }
    std::vector<Fingerprint> all(static_cast<size_t>(group_.comm->size()));
    group_.comm->all_gather(&mine, all.data(), sizeof mine, tag);
    auto same = [](const Fingerprint& a, const Fingerprint& b) {
      return a.kind == b.kind && a.dtype == b.dtype && a.root == b.root &&
             a.sequence == b.sequence && a.rank_count == b.rank_count &&
             std::equal(a.dims, a.dims + std::min<int64_t>(a.rank_count, 8), b.dims);
    };
    std::string differ;
    for (const Fingerprint& f : all)
      if (!same(f, all.front()))
        differ += "; rank " + std::to_string(f.rank) + " calls " + describe(f);
    if (!differ.empty())
      error("the ranks call different collectives (KILN_DISTRIBUTED_DEBUG): rank 0 calls " +
            describe(all.front()) + differ);
  }

  const char* op_;
  std::source_location loc_;
  kiln::detail::CallSite site_;
  const Tensor* x_;
  GroupState& group_;
};

/// A contiguous host copy of `x` that a collective may overwrite.
Tensor staged(const Tensor& x) {
  Tensor host = kiln::detail::to_host(x);
  Tensor copy = kiln::detail::empty(x.dtype(), x.shape().vec());
  const size_t bytes = static_cast<size_t>(x.numel()) * dtype_size(x.dtype());
  if (bytes > 0) std::memcpy(copy.impl()->data(), host.data(), bytes);
  return copy;
}

}  // namespace

int Group::rank() const { return state_->comm->rank(); }
int Group::size() const { return state_->comm->size(); }
const std::string& Group::name() const { return state_->name; }

Group init(InitOptions options) {
  World& w = the_world();
  std::lock_guard<std::mutex> lock(w.mutex);
  const InitOptions o = resolve(std::move(options));
  if (w.state) {
    if (o.backend != "auto" && o.backend != w.resolved.backend)
      fail("init: already initialized with backend '" + w.resolved.backend + "'; now asked for '" +
           o.backend + "'");
    if (o.rank != w.resolved.rank || o.world_size != w.resolved.world_size)
      fail("init: already initialized as rank " + std::to_string(w.resolved.rank) + " of " +
           std::to_string(w.resolved.world_size) + "; now asked for rank " +
           std::to_string(o.rank) + " of " + std::to_string(o.world_size));
    return Group(w.state);
  }
  auto state = std::make_shared<GroupState>();
  state->name = "world";
  if (o.backend == "mpi") {
    try {
      state->comm = comm::make_mpi_communicator(o.timeout);
    } catch (const comm::CommError& e) {
      fail(std::string("init: MPI: ") + e.what());
    }
    if (state->comm->rank() != o.rank || state->comm->size() != o.world_size)
      fail("init: MPI says rank " + std::to_string(state->comm->rank()) + " of " +
           std::to_string(state->comm->size()) + ", the options and environment rank " +
           std::to_string(o.rank) + " of " + std::to_string(o.world_size));
  } else if (o.world_size == 1) {
    state->comm = comm::make_local_communicator();
  } else {
    const std::string prefix = "file://";
    if (o.rendezvous.rfind(prefix, 0) != 0)
      fail("init: rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size) +
           " needs a rendezvous 'file:///folder' (InitOptions::rendezvous or KILN_RENDEZVOUS, "
           "which kiln-launch sets); got '" +
           o.rendezvous + "'");
    const std::string folder = o.rendezvous.substr(prefix.size());
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
      fail("init: the rendezvous folder '" + folder + "' does not exist");
    try {
      state->comm = comm::make_gloo_communicator(o.rank, o.world_size, folder, o.timeout);
    } catch (const comm::CommError& e) {
      fail("init: rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size) +
           " could not connect to the others through '" + folder + "' within " +
           std::to_string(o.timeout.count()) + " ms [gloo: " + e.what() + "]");
    }
  }
  w.state = std::move(state);
  w.resolved = o;
  w.resolved.backend = w.state->comm->engine();  // "local", "gloo" or "mpi"
  register_group(w.state);
  return Group(w.state);
}

Group world() {
  {
    World& w = the_world();
    std::lock_guard<std::mutex> lock(w.mutex);
    if (w.state) return Group(w.state);
  }
  return init();
}

bool initialized() {
  World& w = the_world();
  std::lock_guard<std::mutex> lock(w.mutex);
  return w.state != nullptr;
}

Group Group::split(int color, int key, std::source_location loc) const {
  Call call("split", *this, loc, nullptr);
  GroupState& g = call.group();
  std::shared_ptr<GroupState> out = std::make_shared<GroupState>();
  call.run(4, -1, [&](uint32_t tag) {
    struct Entry {
      int32_t color, key, rank;
    };
    const Entry mine{color, key < 0 ? g.comm->rank() : key, g.comm->rank()};
    std::vector<Entry> all(static_cast<size_t>(g.comm->size()));
    g.comm->all_gather(&mine, all.data(), sizeof mine, tag);
    std::vector<Entry> members;
    for (const Entry& e : all)
      if (e.color == color) members.push_back(e);
    std::stable_sort(members.begin(), members.end(), [](const Entry& a, const Entry& b) {
      return a.key != b.key ? a.key < b.key : a.rank < b.rank;
    });
    std::vector<int> ranks;
    for (const Entry& e : members) ranks.push_back(e.rank);
    out->name = g.name + "/" + std::to_string(g.splits) + ":" + std::to_string(color);
    out->comm = g.comm->subgroup(ranks, out->name);
    ++g.splits;  // under the group's lock, as the name it numbers
  });
  register_group(out);
  return Group(out);
}

namespace {

rules::ReduceKind reduce_kind(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return rules::ReduceKind::sum;
    case ReduceOp::mean:
      return rules::ReduceKind::mean;
    case ReduceOp::max:
      return rules::ReduceKind::max;
    case ReduceOp::min:
      return rules::ReduceKind::min;
  }
  fail("unknown ReduceOp " + std::to_string(static_cast<int>(op)));
}

kiln::detail::Attrs group_attrs(const Group& group) {
  return {{"group", group.name()}, {"group_size", static_cast<int64_t>(group.size())}};
}

/// The collective `name` as an op: recorded in the graph while tracing (its result), else
/// run by `run` and recorded on the tapes that track x.
template <class Run>
Tensor collective_op(const char* name, const Tensor& x, const kiln::detail::Attrs& attrs,
                     const Expected<rules::TensorType>& type, const std::source_location& loc,
                     Run&& run) {
  kiln::detail::CallSite site{name, &loc};
  kiln::detail::check_operands(site, {&x});
  if (!type) kiln::detail::throw_op_error(site, type.error(), {&x});
  if (auto traced = kiln::detail::trace_op(site, name, {&x}, attrs, {*type}, /*effect=*/true))
    return traced->at(0);
  Tensor out = run();
  kiln::detail::record1(name, {&x}, attrs, out);
  return out;
}

kiln::detail::Attrs reduce_attrs(ReduceOp op, const Group& group) {
  kiln::detail::Attrs attrs = group_attrs(group);
  attrs.add("reduce", std::string(comm::reduce_name(op)));
  return attrs;
}

}  // namespace

Tensor all_reduce(const Tensor& x, ReduceOp op, const Group& group, std::source_location loc) {
  const auto type = x.defined()
                        ? rules::all_reduce(reduce_kind(op), kiln::detail::type_of(x), group.size())
                        : Expected<rules::TensorType>(rules::TensorType{});
  return collective_op("all_reduce", x, reduce_attrs(op, group), type, loc,
                       [&] { return comm::run_all_reduce(x, op, group, loc); });
}

Tensor all_gather(const Tensor& x, const Group& group, std::source_location loc) {
  const auto type = x.defined() ? rules::all_gather(kiln::detail::type_of(x), group.size())
                                : Expected<rules::TensorType>(rules::TensorType{});
  return collective_op("all_gather", x, group_attrs(group), type, loc,
                       [&] { return comm::run_all_gather(x, group, loc); });
}

Tensor broadcast(const Tensor& x, int root, const Group& group, std::source_location loc) {
  const auto type = x.defined()
                        ? rules::collective_broadcast(kiln::detail::type_of(x), root, group.size())
                        : Expected<rules::TensorType>(rules::TensorType{});
  kiln::detail::Attrs attrs = group_attrs(group);
  attrs.add("root", static_cast<int64_t>(root));
  return collective_op("collective_broadcast", x, attrs, type, loc,
                       [&] { return comm::run_broadcast(x, root, group, loc); });
}

void barrier(const Group& group, std::source_location loc) {
  if (kiln::detail::tracing()) {
    // Traced: an all-reduce of a scalar whose result nothing reads (an ordered effect,
    // kept and run at each call, where the barrier stands).
    (void)all_reduce(Tensor::scalar<int32_t>(0), ReduceOp::sum, group, loc);
    return;
  }
  Call call("barrier", group, loc, nullptr);
  call.run(3, -1, [&](uint32_t tag) { call.group().comm->barrier(tag); });
}

void broadcast_variables(const std::vector<Variable*>& variables, int root, const Group& group,
                         std::source_location loc) {
  for (size_t i = 0; i < variables.size(); ++i)
    if (variables[i] == nullptr)
      throw Error("[broadcast_variables] variable " + std::to_string(i) + " is a null pointer");
  for (Variable* v : variables) v->assign(broadcast(v->value(), root, group, loc));
}

std::vector<Tensor> all_reduce_gradients(const std::vector<Tensor>& gradients, ReduceOp op,
                                         size_t bucket_bytes, const Group& group,
                                         std::source_location loc) {
  std::vector<Tensor> out(gradients.size());
  for (size_t i = 0; i < gradients.size(); ++i)
    if (!gradients[i].defined())
      throw Error("[all_reduce_gradients] gradient " + std::to_string(i) +
                  " is undefined (a variable the loss does not depend on has a zero "
                  "gradient, not an undefined one: pass it as zeros)");
  if (bucket_bytes == 0) throw Error("[all_reduce_gradients] bucket_bytes must be positive");
  if (kiln::detail::tracing()) {
    // Traced: one kiln.all_reduce per gradient carrying the bucket size; the compiler's
    // kiln-bucket-collectives pass packs adjacent ones into buckets (readiest first), and the
    // plan starts each bucket as soon as its gradients exist.
    const auto bucket = static_cast<int64_t>(std::min<size_t>(bucket_bytes, INT64_MAX));
    for (size_t i = 0; i < gradients.size(); ++i) {
      const Tensor& g = gradients[i];
      kiln::detail::CallSite site{"all_reduce_gradients", &loc};
      auto type = rules::all_reduce(reduce_kind(op), kiln::detail::type_of(g), group.size());
      if (!type)
        kiln::detail::throw_op_error(site, "gradient " + std::to_string(i) + ": " + type.error(),
                                     {&g});
      kiln::detail::Attrs attrs = reduce_attrs(op, group);
      attrs.add("bucket_bytes", bucket);
      out[i] = kiln::detail::trace_op(site, "all_reduce", {&g}, attrs, {*type}, true)->at(0);
    }
    return out;
  }
  // Buckets: runs of consecutive gradients of one dtype, up to bucket_bytes each.
  for (size_t begin = 0; begin < gradients.size();) {
    const DType dtype = gradients[begin].dtype();
    const size_t element = dtype_size(dtype);
    if (op == ReduceOp::mean && !is_floating(dtype))
      throw Error("[all_reduce_gradients] the mean of " + std::string(dtype_name(dtype)) +
                  " gradient " + std::to_string(begin) + ": use ReduceOp::sum");
    size_t end = begin, bytes = 0;
    while (end < gradients.size() && gradients[end].dtype() == dtype &&
           gradients[end].device() == gradients[begin].device()) {
      const size_t more = static_cast<size_t>(gradients[end].numel()) * element;
      if (end > begin && bytes + more > bucket_bytes) break;
      bytes += more;
      ++end;
    }
    // The bucket packed on the gradients' device (a new tensor, so the all-reduce may
    // reduce it where it is; NCCL reduces a CUDA bucket in place on the device), then cut
    // back into the gradients' shapes.
    std::vector<Tensor> flats;
    for (size_t i = begin; i < end; ++i) flats.push_back(reshape(gradients[i], {-1}));
    const bool packed_anew = flats.size() > 1;
    const Tensor packed = packed_anew ? concat(flats, 0) : flats[0];
    flats.clear();
    const Tensor reduced = comm::run_all_reduce(packed, op, group, loc, /*consume=*/packed_anew);
    int64_t at = 0;
    for (size_t i = begin; i < end; ++i) {
      const int64_t n = gradients[i].numel();
      out[i] = reshape(slice(reduced, {at}, {at + n}), gradients[i].shape());
      at += n;
    }
    begin = end;
  }
  return out;
}

}  // namespace kiln::distributed

namespace kiln::detail::distributed {

using kiln::distributed::Call;

namespace {

/// Whether a collective of `x` runs on NCCL: a CUDA tensor, NCCL loaded, more than one rank.
/// (Floating max and min are staged through the host instead: NCCL's NaN and signed-zero
/// rules are not kiln's.)
bool on_nccl(const Tensor& x, const Group& group) {
  return x.device().kind == Device::cuda && group.size() > 1 && nccl_problem().empty();
}

/// The group's NCCL communicator for `device`, made by this collective on every rank.
NcclCommunicator& nccl_of(kiln::distributed::detail::GroupState& g, Device device, uint32_t tag) {
  if (!g.nccl || g.nccl->device() != device) {
    g.nccl.reset();
    g.nccl = std::make_unique<NcclCommunicator>(*g.comm, tag, device);
  }
  return *g.nccl;
}

void* device_address(const Tensor& t) { return t.impl()->data(); }

}  // namespace

Tensor run_all_reduce(const Tensor& x, ReduceOp op, const Group& group,
                      const std::source_location& loc, bool consume) {
  // The callers checked the shape rule (a mean of a floating dtype).
  Call call("all_reduce", group, loc, &x);
  const bool extreme = op == ReduceOp::max || op == ReduceOp::min;
  if (on_nccl(x, group) && !(extreme && is_floating(x.dtype()))) {
    runtime::CudaDevice& device = runtime::CudaDevice::get(x.device());
    device.make_current();
    Tensor out = empty(x.dtype(), x.shape().vec(), x.device());
    call.run(0, -1, [&](uint32_t tag) {
      if (x.numel() == 0) return;
      nccl_of(call.group(), x.device(), tag)
          .all_reduce(device_address(x), device_address(out), static_cast<size_t>(x.numel()),
                      x.dtype(), op, device.stream());
    });
    return op == ReduceOp::mean ? out / static_cast<double>(group.size()) : out;
  }
  // A handed-over host tensor that nothing else shares is reduced where it is.
  const bool sole = consume && x.device() == Device{} && x.impl().use_count() == 1 &&
                    x.impl()->buffer.use_count() == 1;
  // Otherwise the engine reads x and writes a new tensor (no staging copy of our own).
  const Tensor host = sole ? x : to_host(x);
  Tensor buffer = sole ? x : empty(x.dtype(), x.shape().vec());
  call.run(0, -1, [&](uint32_t tag) {
    call.group().comm->all_reduce(host.data(), buffer.impl()->data(),
                                  static_cast<size_t>(x.numel()), x.dtype(), op, tag);
  });
  if (op == ReduceOp::mean) buffer = buffer / static_cast<double>(group.size());
  return x.device() == Device{} ? buffer : buffer.to(x.device());
}

Tensor run_all_gather(const Tensor& x, const Group& group, const std::source_location& loc) {
  Call call("all_gather", group, loc, &x);
  const Shape shape = rules::all_gather(type_of(x), group.size())->shape;  // checked by callers
  if (on_nccl(x, group)) {
    runtime::CudaDevice& device = runtime::CudaDevice::get(x.device());
    device.make_current();
    Tensor out = empty(x.dtype(), shape, x.device());
    const size_t bytes = static_cast<size_t>(x.numel()) * dtype_size(x.dtype());
    call.run(1, -1, [&](uint32_t tag) {
      if (bytes == 0) return;
      nccl_of(call.group(), x.device(), tag)
          .all_gather(device_address(x), device_address(out), bytes, device.stream());
    });
    return out;
  }
  const Tensor host = to_host(x);  // only read: no copy of its own
  Tensor out = empty(x.dtype(), shape);
  const size_t bytes = static_cast<size_t>(x.numel()) * dtype_size(x.dtype());
  call.run(1, -1, [&](uint32_t tag) {
    call.group().comm->all_gather(host.data(), out.impl()->data(), bytes, tag);
  });
  return x.device() == Device{} ? out : out.to(x.device());
}

Tensor run_broadcast(const Tensor& x, int root, const Group& group,
                     const std::source_location& loc) {
  Call call("broadcast", group, loc, &x);  // the callers checked the root (the shape rule)
  if (on_nccl(x, group)) {
    runtime::CudaDevice& device = runtime::CudaDevice::get(x.device());
    device.make_current();
    Tensor out = empty(x.dtype(), x.shape().vec(), x.device());
    const size_t bytes = static_cast<size_t>(x.numel()) * dtype_size(x.dtype());
    call.run(2, root, [&](uint32_t tag) {
      if (bytes == 0) return;
      nccl_of(call.group(), x.device(), tag)
          .broadcast(device_address(x), device_address(out), bytes, root, device.stream());
    });
    return out;
  }
  Tensor buffer = kiln::distributed::staged(x);
  const size_t bytes = static_cast<size_t>(x.numel()) * dtype_size(x.dtype());
  call.run(2, root, [&](uint32_t tag) {
    call.group().comm->broadcast(buffer.impl()->data(), bytes, root, tag);
  });
  return x.device() == Device{} ? buffer : buffer.to(x.device());
}

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return "sum";
    case ReduceOp::mean:
      return "mean";
    case ReduceOp::max:
      return "max";
    case ReduceOp::min:
      return "min";
  }
  return "?";
}

ReduceOp parse_reduce(std::string_view name) {
  for (ReduceOp op : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max, ReduceOp::min})
    if (name == reduce_name(op)) return op;
  throw Error("[all_reduce] unknown reduction '" + std::string(name) + "'");
}

Group group_named(const std::string& name) {
  if (name == "world") return kiln::distributed::world();
  auto& r = kiln::distributed::registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (auto it = r.groups.find(name); it != r.groups.end())
    if (auto g = it->second.lock()) return Group(std::move(g));
  throw Error("[distributed] the function runs a collective on group '" + name +
              "', which this process does not have: make it with the same splits of the world "
              "before the call (a group lives as long as a Group copy of it)");
}

}  // namespace kiln::detail::distributed
