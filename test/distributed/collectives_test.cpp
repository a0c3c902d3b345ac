// kiln::distributed across processes (run by kiln-launch; ctest label `distributed`):
// every dtype and reduction exact on 2 and 3 ranks (Gloo) and 2 under mpirun (MPI), eager
// and inside kiln::functions, gather, broadcast, barrier, split, gradients through them,
// data-parallel training eager and compiled;
// a world of one without kiln-launch; and the faults: ranks that call different
// collectives (KILN_DISTRIBUTED_DEBUG), a rank that never comes (the timeout), a rank that
// exits (a peer closed). Each rank runs the same cases in the same order.
#include <dirent.h>
#include <dlfcn.h>
#include <kiln/distributed.h>
#include <kiln/kiln.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <numeric>
#include <random>
#include <string>

using namespace kiln;
namespace dist = kiln::distributed;
using Catch::Contains;

namespace {

/// Sockets this process has open (/proc/self/fd links to "socket:[...]").
int open_sockets() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* e = readdir(dir)) {
    char target[256];
    const std::string path = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t len = readlink(path.c_str(), target, sizeof target - 1);
    if (len > 0 && std::string(target, static_cast<size_t>(len)).rfind("socket:", 0) == 0) ++n;
  }
  closedir(dir);
  return n;
}

/// arange(6) * (rank + 1) as `dtype` (booleans: rank's own pattern).
Tensor rank_values(DType dtype, int rank) {
  if (dtype == DType::boolean) {
    std::vector<bool> v(6);
    for (int i = 0; i < 6; ++i) v[static_cast<size_t>(i)] = ((i + rank) % 3) == 0;
    return Tensor::from<bool>(v, {6});
  }
  return cast(arange(0.0, 6.0, 1.0) * static_cast<double>(rank + 1), dtype);
}

/// A tensor's bytes, to compare bit for bit.
std::string bits_of(const Tensor& t) {
  const Tensor c = cast(t, DType::f32);
  const auto v = c.to_vector<float>();
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

}  // namespace

TEST_CASE("distributed: every dtype and reduction is exact on every rank", "[collectives]") {
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  // kiln-launch's environment, or mpirun's (--backend mpi).
  const bool mpi = std::getenv("KILN_WORLD_SIZE") == nullptr;
  REQUIRE(n == std::atoi(std::getenv(mpi ? "OMPI_COMM_WORLD_SIZE" : "KILN_WORLD_SIZE")));
  REQUIRE(r == std::atoi(std::getenv(mpi ? "OMPI_COMM_WORLD_RANK" : "KILN_RANK")));
  CHECK(dist::initialized());
  CHECK(dist::init().rank() == r);  // init again: the same world
  const double triangle = n * (n + 1) / 2.0;
  for (DType dtype : kAllDTypes) {
    INFO(dtype_name(dtype));
    const Tensor x = rank_values(dtype, r);
    if (dtype == DType::boolean) {
      // or (sum, max) and and (min) of each rank's pattern, computed here for every rank.
      std::vector<bool> any(6, false), all(6, true);
      for (int k = 0; k < n; ++k) {
        const auto v = rank_values(DType::boolean, k).to_vector<bool>();
        for (size_t i = 0; i < 6; ++i) any[i] = any[i] || v[i], all[i] = all[i] && v[i];
      }
      CHECK(dist::all_reduce(x, dist::ReduceOp::sum).to_vector<bool>() == any);
      CHECK(dist::all_reduce(x, dist::ReduceOp::max).to_vector<bool>() == any);
      CHECK(dist::all_reduce(x, dist::ReduceOp::min).to_vector<bool>() == all);
      continue;
    }
    const Tensor base = cast(arange(0.0, 6.0, 1.0), DType::f64);
    auto as_f64 = [](const Tensor& t) { return cast(t, DType::f64).to_vector<double>(); };
    CHECK(dist::all_reduce(x, dist::ReduceOp::sum).dtype() == dtype);
    CHECK(as_f64(dist::all_reduce(x, dist::ReduceOp::sum)) == as_f64(base * triangle));
    CHECK(as_f64(dist::all_reduce(x, dist::ReduceOp::max)) == as_f64(base * double(n)));
    CHECK(as_f64(dist::all_reduce(x, dist::ReduceOp::min)) == as_f64(base));
    if (is_floating(dtype))
      CHECK(as_f64(dist::all_reduce(x, dist::ReduceOp::mean)) ==
            as_f64(cast(cast(base * triangle, dtype) / double(n), DType::f64)));
    else
      CHECK_THROWS_WITH(dist::all_reduce(x, dist::ReduceOp::mean), Contains("mean of a"));
  }
  // The input is not changed; a scalar and an empty tensor work; NaN wins max and min.
  const Tensor x = rank_values(DType::f32, r);
  const auto before = x.to_vector<float>();
  dist::all_reduce(x);
  CHECK(x.to_vector<float>() == before);
  CHECK(dist::all_reduce(Tensor::scalar<int64_t>(r)).item<int64_t>() == n * (n - 1) / 2);
  CHECK(dist::all_reduce(zeros({0, 3})).shape() == Shape{0, 3});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor with_nan = Tensor::from<float>({r == n - 1 ? nan : 1.0f, 2.0f}, {2});
  CHECK(std::isnan(dist::all_reduce(with_nan, dist::ReduceOp::max).to_vector<float>()[0]));
  CHECK(std::isnan(dist::all_reduce(with_nan, dist::ReduceOp::min).to_vector<float>()[0]));
  // ±0: max is +0 and min -0 whichever rank holds which.
  const Tensor zero = Tensor::scalar<float>(r % 2 ? -0.0f : 0.0f);
  if (n > 1) {
    CHECK_FALSE(std::signbit(dist::all_reduce(zero, dist::ReduceOp::max).item<float>()));
    CHECK(std::signbit(dist::all_reduce(zero, dist::ReduceOp::min).item<float>()));
  }
}

TEST_CASE("distributed: all-reduce of any length, cut unevenly round the ring", "[collectives]") {
  // The ring cuts a buffer into ranks x k segments of at most 4 MiB: lengths below the
  // rank count, chunks that end early or are empty, and several segments per chunk; out of
  // place (x kept) eagerly, and in place in a compiled function whose operand dies there.
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  auto values = [](DType dtype, int rank, int64_t count) {
    std::mt19937 gen(static_cast<uint32_t>(1000 * rank + count));
    // The whole int32 range: integer sums wrap as kiln's eager sums do. f64 also gets the
    // edges one time in eight: +-0, +-inf, NaN, huge values that overflow, subnormals.
    std::uniform_int_distribution<int32_t> pick(std::numeric_limits<int32_t>::min(),
                                                std::numeric_limits<int32_t>::max());
    const double edges[] = {0.0,   -0.0,   INFINITY, -INFINITY, NAN,
                            1e308, -1e308, 4.9e-324, -2.2e-308};
    std::uniform_int_distribution<size_t> edge(0, 8 * std::size(edges) - 1);
    std::vector<double> v(static_cast<size_t>(count));
    for (auto& e : v) {
      e = pick(gen);
      if (const size_t k = edge(gen); dtype == DType::f64 && k < std::size(edges)) e = edges[k];
    }
    return cast(Tensor::from<double>(v, {count}), dtype);
  };
  // Each element equal to that of one of `orders`: the same bits, or NaN on both sides
  // (which NaN a sum of NaNs gives depends on the order of its operands, as in eager code).
  auto same_as_one = [](const Tensor& got, const std::vector<Tensor>& orders) {
    const auto x = cast(got, DType::f64).to_vector<double>();
    std::vector<std::vector<double>> ys;
    for (const Tensor& o : orders) ys.push_back(cast(o, DType::f64).to_vector<double>());
    for (size_t i = 0; i < x.size(); ++i) {
      bool found = false;
      for (const auto& y : ys)
        found = found || (y.size() == x.size() && ((std::isnan(x[i]) && std::isnan(y[i])) ||
                                                   std::memcmp(&x[i], &y[i], sizeof(double)) == 0));
      if (!found) return false;
    }
    return true;
  };
  auto in_place = kiln::function([](Tensor t) { return dist::all_reduce(t * 1); });
  for (const int64_t count : {int64_t{1}, int64_t{2}, int64_t{5}, int64_t{7}, int64_t{4099},
                              int64_t{3 << 18} + 13, int64_t{5 << 18} + 3, int64_t{25 << 18} + 1}) {
    const bool large = count > (int64_t{8} << 20);  // 3-4 segments per chunk: i32 alone
    for (DType dtype : {DType::i32, DType::f64, DType::boolean}) {
      if (large && dtype != DType::i32) continue;
      INFO(count << " elements of " << dtype_name(dtype));
      std::vector<Tensor> all;
      for (int k = 0; k < n; ++k) all.push_back(values(dtype, k, count));
      const Tensor x = values(dtype, r, count);
      const std::string before = bits_of(x);
      for (const auto op : {dist::ReduceOp::sum, dist::ReduceOp::max, dist::ReduceOp::min}) {
        // The ranks' values combined left to right in the order `ranks`.
        auto fold = [&](const std::vector<int>& ranks) {
          Tensor want = all[static_cast<size_t>(ranks[0])];
          for (size_t k = 1; k < ranks.size(); ++k) {
            const Tensor& next = all[static_cast<size_t>(ranks[k])];
            if (dtype == DType::boolean)  // or for sum and max, and for min
              want = op == dist::ReduceOp::min ? logical_and(want, next) : logical_or(want, next);
            else
              want = op == dist::ReduceOp::sum   ? want + next
                     : op == dist::ReduceOp::min ? minimum(want, next)
                                                 : maximum(want, next);
          }
          return want;
        };
        // A floating sum over 3+ ranks adds in an order that depends on where the element
        // lies round the ring (any all-reduce's; docs/guide.md): with the edges (overflow,
        // inf - inf) the order shows, so each element must be one of the orders' sums.
        std::vector<int> ranks(static_cast<size_t>(n));
        std::iota(ranks.begin(), ranks.end(), 0);
        std::vector<Tensor> orders;
        do orders.push_back(fold(ranks));
        while (op == dist::ReduceOp::sum && dtype == DType::f64 &&
               std::next_permutation(ranks.begin(), ranks.end()));
        CHECK(same_as_one(dist::all_reduce(x, op), orders));
        CHECK(bits_of(x) == before);
      }
      if (dtype == DType::i32) {
        Tensor sum = all[0];
        for (int k = 1; k < n; ++k) sum = sum + all[k];
        CHECK(bits_of(in_place(x)) == bits_of(sum));
        CHECK(bits_of(x) == before);
      }
    }
  }
}

TEST_CASE("distributed: gather, broadcast, barrier and split", "[collectives]") {
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  const Tensor mine = full({2, 3}, static_cast<double>(r), DType::i64);
  const Tensor gathered = dist::all_gather(mine);
  REQUIRE(gathered.shape() == Shape{2 * n, 3});
  for (int k = 0; k < n; ++k) CHECK(gathered.to_vector<int64_t>()[static_cast<size_t>(k * 6)] == k);
  CHECK(dist::all_gather(Tensor::scalar<float>(float(r))).to_vector<float>().size() ==
        static_cast<size_t>(n));
  const int root = n - 1;
  const Tensor from_root = dist::broadcast(full({4}, double(r * 10), DType::f64), root);
  CHECK(from_root.to_vector<double>() == std::vector<double>(4, root * 10.0));
  CHECK_THROWS_WITH(dist::broadcast(zeros({1}), n), Contains("root"));
  dist::barrier();
  // Even and odd ranks: each half sums its own ranks.
  dist::Group half = world.split(r % 2);
  int expected = 0, members = 0;
  for (int k = r % 2; k < n; k += 2) expected += k, ++members;
  CHECK(half.size() == members);
  CHECK(half.rank() == r / 2);
  CHECK(dist::all_reduce(Tensor::scalar<int32_t>(r), dist::ReduceOp::sum, half).item<int32_t>() ==
        expected);
  // The world still works after the split, in order.
  CHECK(dist::all_reduce(Tensor::scalar<int32_t>(1)).item<int32_t>() == n);
}

TEST_CASE("distributed: collectives inside a kiln::function equal the eager ones",
          "[collectives]") {
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  const bool jit = GENERATE(false, true);
  INFO((jit ? "jit" : "graph"));
  FunctionOptions options;
  options.jit = jit;
  for (DType dtype : kAllDTypes) {
    INFO(dtype_name(dtype));
    std::vector<dist::ReduceOp> ops{dist::ReduceOp::sum, dist::ReduceOp::max, dist::ReduceOp::min};
    if (is_floating(dtype)) ops.push_back(dist::ReduceOp::mean);
    // Every reduction, a gather and a broadcast in one graph, run in the traced order.
    auto collectives = [&](Tensor t) {
      std::vector<Tensor> out;
      for (auto op : ops) out.push_back(dist::all_reduce(t, op));
      out.push_back(dist::all_gather(t));
      out.push_back(dist::broadcast(t, n - 1));
      return out;
    };
    auto f = kiln::function(collectives, options);
    const Tensor x = rank_values(dtype, r);
    const std::vector<Tensor> want = collectives(x);
    for (int call = 0; call < 2; ++call) {  // the trace, then a cached call
      const std::vector<Tensor> got = f(x);
      REQUIRE(got.size() == want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        INFO("result " << i << ", call " << call);
        CHECK(got[i].dtype() == want[i].dtype());
        CHECK(got[i].shape() == want[i].shape());
        CHECK(bits_of(got[i]) == bits_of(want[i]));  // exact: integers and these floats alike
      }
    }
    CHECK(f.trace_count() == 1);
    const std::string ir = f.ir(x, Stage::optimized);
    size_t reduces = 0;
    for (size_t at = ir.find("kiln.all_reduce"); at != std::string::npos;
         at = ir.find("kiln.all_reduce", at + 1))
      ++reduces;
    CHECK(reduces == ops.size());
  }
  // A value the function still reads after its all-reduce is not reduced in place; one
  // that dies there may be, and either way the results are the eager ones.
  auto kept = kiln::function(
      [](Tensor t) {
        Tensor y = t * 2.0f, z = t * 3.0f;
        Tensor reduced = dist::all_reduce(y);
        return std::vector<Tensor>{reduced, y, dist::all_reduce(z)};
      },
      options);
  const Tensor t = cast(rank_values(DType::f32, r), DType::f32);
  for (int call = 0; call < 2; ++call) {
    const std::vector<Tensor> got = kept(t);
    CHECK(bits_of(got[0]) == bits_of(dist::all_reduce(t * 2.0f)));
    CHECK(bits_of(got[1]) == bits_of(t * 2.0f));
    CHECK(bits_of(got[2]) == bits_of(dist::all_reduce(t * 3.0f)));
  }
  // A barrier and a split group's collective inside the function, with a constant operand.
  dist::Group half = world.split(r % 2);
  auto g = kiln::function(
      [&](Tensor v) {
        dist::barrier();
        return dist::all_reduce(v, dist::ReduceOp::sum, half) +
               dist::all_reduce(Tensor::scalar<int32_t>(1), dist::ReduceOp::sum, half);
      },
      options);
  int expected = 0;
  for (int k = r % 2; k < n; k += 2) expected += k;
  CHECK(g(Tensor::scalar<int32_t>(r)).item<int32_t>() == expected + half.size());
  CHECK(g(Tensor::scalar<int32_t>(r)).item<int32_t>() == expected + half.size());
}

TEST_CASE("distributed: gradients go through traced and eager collectives", "[collectives]") {
  // Each rank's loss is sum(y * c_r); the total loss is their sum over ranks, so x_r's
  // gradient gathers every rank's c: sum_s c_s for an all-reduce of sums, the block of
  // rank r of sum_s c_s for a gather, sum_s c_s on the root of a broadcast (0 elsewhere).
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  const Tensor x = random_normal({2, 3}, 40 + static_cast<uint64_t>(r));
  const Tensor c = random_normal({2, 3}, 50 + static_cast<uint64_t>(r));
  const Tensor c_gathered = random_normal({2 * n, 3}, 60 + static_cast<uint64_t>(r));
  auto grads = [&](const Tensor& in) {
    GradientTape tape;
    tape.watch(in);
    Tensor loss = sum(dist::all_reduce(in) * c) + sum(dist::all_gather(in) * c_gathered) +
                  sum(dist::broadcast(in, 0) * c);
    return tape.gradient(loss, {in}).at(0);
  };
  const Tensor c_total = dist::all_reduce(c);
  const Tensor gathered_total = dist::all_reduce(c_gathered);
  Tensor want = c_total + slice(gathered_total, {2 * r, 0}, {2 * r + 2, 3});
  if (r == 0) want = want + c_total;
  auto close = [](const Tensor& a, const Tensor& b) {
    return max(abs(a - b)).item<double>() <= 1e-5 * (1 + max(abs(b)).item<double>());
  };
  CHECK(close(grads(x), want));
  for (bool jit : {false, true}) {
    FunctionOptions options;
    options.jit = jit;
    auto f = kiln::function([&](Tensor in) { return grads(in); }, options);
    CHECK(close(f(x), want));
    CHECK(close(f(x), want));
  }
}

TEST_CASE("distributed: a world of one is the identity and opens nothing", "[single]") {
  REQUIRE(std::getenv("KILN_WORLD_SIZE") == nullptr);
  const int sockets = open_sockets();
  dist::Group world = dist::init();
  CHECK(world.size() == 1);
  CHECK(world.rank() == 0);
  const Tensor x = random_normal({3, 4}, 1);
  for (auto op :
       {dist::ReduceOp::sum, dist::ReduceOp::mean, dist::ReduceOp::max, dist::ReduceOp::min})
    CHECK(dist::all_reduce(x, op).to_vector<float>() == x.to_vector<float>());
  CHECK(dist::all_gather(x).to_vector<float>() == x.to_vector<float>());
  CHECK(dist::broadcast(x, 0).to_vector<float>() == x.to_vector<float>());
  dist::barrier();
  CHECK(world.split(7).size() == 1);
  CHECK(open_sockets() == sockets);
  dist::InitOptions mpi;
  mpi.backend = "mpi";
  CHECK_THROWS_WITH(dist::init(mpi), Contains("already initialized with backend 'local'"));
  dist::InitOptions other;
  other.rank = 1;
  other.world_size = 2;
  CHECK_THROWS_WITH(dist::init(other), Contains("already initialized"));
}

TEST_CASE("distributed: ranks that call different collectives fail together (debug)",
          "[mismatch]") {
  REQUIRE(std::getenv("KILN_DISTRIBUTED_DEBUG") != nullptr);
  dist::Group world = dist::init();
  const auto start = std::chrono::steady_clock::now();
  const Tensor x = zeros({world.rank() == 0 ? 4 : 5});
  CHECK_THROWS_WITH(dist::all_reduce(x), Contains("the ranks call different collectives") &&
                                             Contains("(4,)") &&
                                             Contains("rank 1 calls all_reduce #0 of f32 (5,)"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Nothing ran, so the group is still whole: the next agreeing call works.
  CHECK(dist::all_reduce(ones({2})).to_vector<float>()[0] == float(world.size()));
  // The same inside a compiled function (the check runs on the communication thread; the
  // error reaches the call, naming the traced op and this file's line).
  auto f = kiln::function([](Tensor t) { return dist::all_reduce(t) + 1.0f; });
  CHECK_THROWS_WITH(f(x), Contains("[all_reduce]") &&
                              Contains("the ranks call different collectives") &&
                              Contains("collectives_test.cpp"));
  CHECK(dist::all_reduce(ones({2})).to_vector<float>()[0] == float(world.size()));
}

TEST_CASE("distributed: a rank that never calls makes the others time out", "[timeout]") {
  dist::Group world = dist::init();  // KILN_DISTRIBUTED_TIMEOUT=2 in the test
  if (world.rank() == 1) {
    sleep(3);  // past the others' 2 s timeout, then leave quietly
    std::_Exit(0);
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(dist::all_reduce(ones({3})),
                    Contains("[all_reduce] collective #0 of group 'world' (rank 0 of 2)") &&
                        Contains("timed out") && Contains("collectives_test.cpp"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_THROWS_WITH(dist::barrier(), Contains("failed before"));
}

TEST_CASE("distributed: a rank that exits makes the others fail, not hang", "[peer-exit]") {
  dist::Group world = dist::init();
  dist::barrier();
  if (world.rank() == 1) std::_Exit(0);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(dist::all_reduce(ones({1000})),
                    Contains("[all_reduce] collective #1 of group 'world'"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("distributed: a rank that exits fails an uncaught collective", "[peer-exit-uncaught]") {
  // Not caught: the rank fails, and kiln-launch with it (ctest checks both).
  dist::Group world = dist::init();
  dist::barrier();
  if (world.rank() == 1) std::_Exit(0);
  dist::all_reduce(ones({1000}));
}

TEST_CASE("distributed: data-parallel steps equal full-batch steps", "[collectives]") {
  // W4's MLP and step (784-512-512-10, SGD 0.01, batch 64): each rank takes its share of
  // every batch, gradients mean-reduced; a full-batch model on this rank is the reference.
  // tanh, not W4's relu: a GEMM of 32 rows and one of 64 round a row differently, and where
  // a pre-activation sits at relu's kink that flips its derivative, a difference of a whole
  // row's term that no tolerance bounds (seen: 0.6% on one gradient with 3 ranks).
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  const int64_t batch = 64 - 64 % n, share = batch / n;
  // Eagerly, and as one compiled step (graph mode, the JIT) whose gradients the compiler
  // packs into buckets that start while the backward pass goes on.
  const int mode = GENERATE(0, 1, 2);
  INFO((mode == 0 ? "eager" : mode == 1 ? "graph" : "jit"));
  MLP model({784, 512, 512, 10}, 1 + static_cast<uint64_t>(r), Activation::tanh);  // differs...
  dist::broadcast_variables(model.variables());  // ...until rank 0's is everyone's
  MLP reference({784, 512, 512, 10}, 1, Activation::tanh);
  SGD opt(0.01), opt_reference(0.01);
  const auto vars = model.variables(), ref_vars = reference.variables();
  FunctionOptions options;
  options.jit = mode == 2;
  auto compiled_step = kiln::function(
      [&](Tensor mine, Tensor my_labels) {
        GradientTape tape;
        Tensor loss = mean(softmax_cross_entropy(model(mine), my_labels));
        opt.apply(dist::all_reduce_gradients(tape.gradient(loss, vars), dist::ReduceOp::mean,
                                             size_t{300} << 10),
                  vars);
        return loss;
      },
      options);
  for (size_t i = 0; i < vars.size(); ++i) REQUIRE(bits_of(*vars[i]) == bits_of(*ref_vars[i]));
  for (int step = 0; step < 5; ++step) {
    INFO("step " << step);
    const Tensor x = random_normal({batch, 784}, 100 + static_cast<uint64_t>(step));
    const Tensor labels = random_int({batch}, 200 + static_cast<uint64_t>(step), 0, 10);
    {
      const Tensor mine = slice(x, {r * share, 0}, {(r + 1) * share, 784});
      const Tensor my_labels = slice(labels, {r * share}, {(r + 1) * share});
      if (mode > 0) {
        compiled_step(mine, my_labels);
        CHECK(compiled_step.trace_count() == 1);
      } else {
        GradientTape tape;
        Tensor loss = mean(softmax_cross_entropy(model(mine), my_labels));
        // Small buckets on odd steps: several collectives, the same sums.
        const size_t bucket = step % 2 ? size_t{300} << 10 : size_t{25} << 20;
        opt.apply(
            dist::all_reduce_gradients(tape.gradient(loss, vars), dist::ReduceOp::mean, bucket),
            vars);
      }
    }
    {
      GradientTape tape;
      Tensor loss = mean(softmax_cross_entropy(reference(x), labels));
      opt_reference.apply(tape.gradient(loss, ref_vars), ref_vars);
    }
    for (size_t i = 0; i < vars.size(); ++i) {
      INFO(vars[i]->name());
      const Tensor diff = abs(vars[i]->value() - ref_vars[i]->value());
      const double scale = max(abs(ref_vars[i]->value())).item<double>();
      CHECK(max(diff).item<double>() <= 1e-6 * scale);
      // Every rank holds the same bits.
      const Tensor all = dist::all_gather(reshape(vars[i]->value(), {1, -1}));
      for (int k = 1; k < n; ++k)
        CHECK(bits_of(slice(all, {k, 0}, {k + 1, all.shape()[1]})) ==
              bits_of(slice(all, {0, 0}, {1, all.shape()[1]})));
    }
  }
  CHECK_THROWS_WITH(dist::all_reduce_gradients({Tensor::scalar<int32_t>(1)}),
                    Contains("the mean of i32 gradient 0"));
}

TEST_CASE("distributed: CUDA tensors' collectives go through NCCL (fake driver and NCCL)",
          "[nccl]") {
  // The fake driver's device memory is host memory and runs no kernels: the values checked
  // here are the ones NCCL (the fake, which really combines the ranks' buffers through
  // shared memory) wrote; kiln's own kernels (a mean's division) are only called.
  const char* library = std::getenv("KILN_NCCL");
  REQUIRE(library != nullptr);
  void* nccl = dlopen(library, RTLD_NOW | RTLD_NOLOAD);  // the copy kiln loaded
  dist::Group world = dist::init();
  const int n = world.size(), r = world.rank();
  const Device gpu{Device::cuda, 0};
  auto log = [&] {
    if (nccl == nullptr) nccl = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
    if (nccl == nullptr) return std::string();  // kiln has not loaded it yet: no calls
    auto text = reinterpret_cast<const char* (*)()>(dlsym(nccl, "fake_nccl_log"));
    REQUIRE(text != nullptr);
    return std::string(text());
  };
  auto calls = [&](const std::string& line) {
    const std::string text = log();
    size_t count = 0;
    for (size_t at = text.find(line); at != std::string::npos; at = text.find(line, at + 1))
      ++count;
    return count;
  };
  // ncclDataType_t: uint8 1, int32 2, int64 4, float32 7, float64 8; ncclRedOp_t: sum 0,
  // max 2, min 3.
  const std::vector<std::pair<DType, int>> types{
      {DType::f32, 7}, {DType::f64, 8}, {DType::i32, 2}, {DType::i64, 4}, {DType::boolean, 1}};
  for (const auto& [dtype, nccl_type] : types) {
    INFO(dtype_name(dtype));
    const Tensor x = rank_values(dtype, r);
    const std::string sum_line =
        "ncclAllReduce count=6 dtype=" + std::to_string(nccl_type) + " op=";
    const std::string op_line = sum_line + (dtype == DType::boolean ? "2" : "0");  // bool: or=max
    const size_t before = calls(op_line);
    const Tensor got = dist::all_reduce(x.to(gpu), dist::ReduceOp::sum);
    CHECK(got.device() == gpu);
    CHECK(bits_of(got.to(Device{})) == bits_of(dist::all_reduce(x, dist::ReduceOp::sum)));
    CHECK(calls(op_line) == before + 1);
    if (!is_floating(dtype)) {  // exact max and min on NCCL
      CHECK(bits_of(dist::all_reduce(x.to(gpu), dist::ReduceOp::min).to(Device{})) ==
            bits_of(dist::all_reduce(x, dist::ReduceOp::min)));
      CHECK(calls(sum_line + "3") == 1);
    } else {  // staged through the host: kiln's NaN and signed-zero rules
      const size_t nccl_calls = calls("ncclAllReduce");
      CHECK(bits_of(dist::all_reduce(x.to(gpu), dist::ReduceOp::max).to(Device{})) ==
            bits_of(dist::all_reduce(x, dist::ReduceOp::max)));
      CHECK(calls("ncclAllReduce") == nccl_calls);
    }
  }
  // A gather and a broadcast move bytes; a compiled function's collective calls NCCL too.
  const Tensor mine = full({2, 3}, static_cast<double>(r), DType::i64);
  const Tensor gathered = dist::all_gather(mine.to(gpu)).to(Device{});
  CHECK(bits_of(gathered) == bits_of(dist::all_gather(mine)));
  CHECK(calls("ncclAllGather count=48 dtype=1") == 1);
  const Tensor from_root = dist::broadcast(full({4}, double(r + 1), DType::f32).to(gpu), n - 1);
  CHECK(from_root.to(Device{}).to_vector<float>() == std::vector<float>(4, float(n)));
  CHECK(calls("ncclBroadcast count=16 dtype=1 op=-1 root=" + std::to_string(n - 1)) == 1);
  // all_reduce_gradients packs a device's gradients on the device: one NCCL call for the
  // bucket of 6 + 4 f32 gradients.
  const size_t buckets = calls("ncclAllReduce count=10 dtype=7 op=0");
  const std::vector<Tensor> reduced = dist::all_reduce_gradients(
      {full({3, 2}, 1.0, DType::f32).to(gpu), full({4}, 2.0, DType::f32).to(gpu)},
      dist::ReduceOp::sum);
  CHECK(calls("ncclAllReduce count=10 dtype=7 op=0") == buckets + 1);
  CHECK(reduced.at(0).shape() == Shape{3, 2});
  CHECK(reduced.at(1).device() == gpu);
  auto f = kiln::function([](Tensor t) { return dist::all_reduce(t); });
  const size_t before = calls("ncclAllReduce count=4 dtype=7 op=0");
  const Tensor total = f(full({4}, 1.0, DType::f32).to(gpu));
  CHECK(total.to(Device{}).to_vector<float>() == std::vector<float>(4, float(n)));
  CHECK(calls("ncclAllReduce count=4 dtype=7 op=0") == before + 1);
}
