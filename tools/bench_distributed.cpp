// kiln-bench --distributed (bench_distributed.h). Every rank must make the same calls, so
// the counts are fixed before timing (rank 0's calibration, broadcast), each repetition
// starts at a barrier, and the figures are rank 0's medians.
#include "bench_distributed.h"

#include <gloo/allreduce.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <kiln/distributed.h>
#include <kiln/kiln.h>
#ifdef KILN_BENCH_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench_mlp.h"
#include "bench_timing.h"

namespace kiln_bench {
namespace {

namespace dist = kiln::distributed;

/// Calls of `fn` that take about `min_time_s` on rank 0, the same count on every rank.
int64_t agreed_calls(const std::function<void()>& fn, double min_time_s) {
  int64_t calls = 1;
  for (;;) {
    dist::barrier();
    const double start = now_s();
    for (int64_t i = 0; i < calls; ++i) fn();
    const double took = now_s() - start;
    // Rank 0 decides whether that was long enough, for everyone.
    const int64_t next = took >= min_time_s / 4 || calls >= (int64_t{1} << 20)
                             ? std::max<int64_t>(1, static_cast<int64_t>(calls * min_time_s / took))
                             : -calls * 4;
    const int64_t agreed = dist::broadcast(kiln::Tensor::scalar<int64_t>(next), 0).item<int64_t>();
    if (agreed > 0) return agreed;
    calls = -agreed;
  }
}

/// Median seconds per call of each of `fns` over `reps` barrier-aligned repetitions of
/// `calls` calls, the functions taking turns within each repetition (so a drift in the
/// machine's load lands on all of them alike, not on whichever ran last).
std::vector<double> medians_per_call(const std::vector<std::function<void()>>& fns, int64_t calls,
                                     int reps) {
  std::vector<std::vector<double>> per_call(fns.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t f = 0; f < fns.size(); ++f) {
      dist::barrier();
      const double start = now_s();
      for (int64_t i = 0; i < calls; ++i) fns[f]();
      per_call[f].push_back((now_s() - start) / static_cast<double>(calls));
    }
  }
  std::vector<double> medians;
  for (auto& times : per_call) {
    std::sort(times.begin(), times.end());
    medians.push_back(times[times.size() / 2]);
  }
  return medians;
}

/// The engine's own all-reduce of f32 sums, in place and from another buffer: Gloo's
/// (kiln-launch) or MPI's (under mpirun).
struct RawAllReduce {
  std::function<void(float*, size_t)> in_place;
  std::function<void(const float*, float*, size_t)> out_of_place;
  const char* engine;
};

/// Gloo's own allreduce on the world's ranks: a context of its own through the same
/// rendezvous folder.
std::shared_ptr<gloo::rendezvous::Context> raw_gloo_context(const dist::Group& world) {
  std::string folder = std::getenv("KILN_RENDEZVOUS");
  folder = folder.substr(std::string("file://").size());
  auto device = gloo::transport::tcp::CreateDevice(gloo::transport::tcp::attr("127.0.0.1"));
  gloo::rendezvous::FileStore files(folder);
  gloo::rendezvous::PrefixStore store("bench-raw", files);
  auto context = std::make_shared<gloo::rendezvous::Context>(world.rank(), world.size());
  context->connectFullMesh(store, device);
  return context;
}

}  // namespace

int distributed_benchmark(double min_time_s, int reps) {
  dist::Group world = dist::init();
  if (world.size() < 2) {
    std::fprintf(stderr, "kiln-bench --distributed: run it under kiln-launch -n 2 (or more)\n");
    return 2;
  }
  const bool lead = world.rank() == 0;
  RawAllReduce raw_call;
  std::shared_ptr<gloo::rendezvous::Context> context;
  if (std::getenv("KILN_RENDEZVOUS") != nullptr) {
    context = raw_gloo_context(world);
    auto sum = static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>);
    raw_call.engine = "Gloo TCP";
    raw_call.in_place = [context, sum](float* data, size_t n) {
      gloo::AllreduceOptions options(context);
      options.setOutput(data, n);
      options.setReduceFunction(sum);
      gloo::allreduce(options);
    };
    raw_call.out_of_place = [context, sum](const float* in, float* out, size_t n) {
      gloo::AllreduceOptions options(context);
      options.setInput(const_cast<float*>(in), n);
      options.setOutput(out, n);
      options.setReduceFunction(sum);
      gloo::allreduce(options);
    };
  } else {
#ifdef KILN_BENCH_MPI
    raw_call.engine = "MPI (mpirun)";  // kiln's init has initialized MPI
    raw_call.in_place = [](float* data, size_t n) {
      MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    };
    raw_call.out_of_place = [](const float* in, float* out, size_t n) {
      MPI_Allreduce(in, out, static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    };
#else
    std::fprintf(stderr,
                 "kiln-bench --distributed: run it under kiln-launch (this kiln-bench "
                 "was built without MPI)\n");
    return 2;
#endif
  }
  if (lead)
    std::printf(
        "all-reduce (sum, f32) on %d ranks over %s, 127.0.0.1: kiln's (a new tensor, "
        "x kept) against the engine's in place and\ninto another buffer (what a result "
        "that leaves x alone costs the engine itself)\n"
        "%10s %10s %10s %10s %10s %9s %9s\n",
        world.size(), raw_call.engine, "bytes", "kiln ms", "raw ms", "raw o-o-p", "kiln GB/s",
        "ratio", "ratio oop");
  for (int64_t bytes = 1024; bytes <= (int64_t{64} << 20); bytes *= 4) {
    const int64_t n = bytes / 4;
    const kiln::Tensor x = kiln::full({n}, 1.0);
    std::vector<float> raw(static_cast<size_t>(n), 1.0f), raw_in(raw);
    auto kiln_call = [&] { dist::all_reduce(x); };
    auto gloo_call = [&] { raw_call.in_place(raw.data(), raw.size()); };
    auto gloo_out_of_place = [&] { raw_call.out_of_place(raw_in.data(), raw.data(), raw.size()); };
    const int64_t calls = agreed_calls(gloo_call, min_time_s);
    const std::vector<double> s =
        medians_per_call({gloo_call, gloo_out_of_place, kiln_call}, calls, reps);
    const double gloo_s = s[0], oop_s = s[1], kiln_s = s[2];
    if (lead)
      std::printf("%10lld %10.4f %10.4f %10.4f %10.3f %8.0f%% %8.0f%%\n",
                  static_cast<long long>(bytes), kiln_s * 1e3, gloo_s * 1e3, oop_s * 1e3,
                  bytes / kiln_s / 1e9, 100 * gloo_s / kiln_s, 100 * oop_s / kiln_s);
  }

  // W4 data-parallel: the compiled loss and gradients on this rank's share, the gradients
  // averaged, SGD applied on every rank.
  MlpShape shape;
  const int64_t share = shape.batch / world.size();
  MlpShape mine = shape;
  mine.batch = share;
  MlpTrainer trainer(mlp_init(shape, 1), 0.01);  // its variables and SGD
  const std::vector<kiln::Variable*> pointers = trainer.variables();
  const kiln::Tensor x = mlp_input(mine, 10 + static_cast<uint64_t>(world.rank()));
  const kiln::Tensor labels = mlp_labels(mine, 20 + static_cast<uint64_t>(world.rank()));
  auto gradients = kiln::function([&](kiln::Tensor xb, kiln::Tensor yb) {
    kiln::GradientTape tape;
    std::vector<kiln::Tensor> params;
    for (auto* v : pointers) params.push_back(v->value());
    kiln::Tensor loss = mlp_loss(xb, yb, params);
    return tape.gradient(loss, pointers);
  });
  double reduce_s = 0;
  int64_t steps = 0;
  auto step = [&] {
    std::vector<kiln::Tensor> g = gradients(x, labels);
    const double start = now_s();
    g = dist::all_reduce_gradients(g);
    reduce_s += now_s() - start;
    ++steps;
    trainer.sgd.apply(g, pointers);
  };
  const int64_t calls = agreed_calls(step, min_time_s);
  reduce_s = 0, steps = 0;
  const double step_s = medians_per_call({step}, calls, reps)[0];
  if (lead)
    std::printf(
        "\nW4 data-parallel step on %d ranks (batch %lld, %lld per rank): %.3f ms, "
        "all-reduce of the gradients %.3f ms (%.0f%%)\n",
        world.size(), static_cast<long long>(shape.batch), static_cast<long long>(share),
        step_s * 1e3, reduce_s / steps * 1e3, 100 * reduce_s / steps / step_s);

  // The same step compiled whole (JIT): the gradients' all-reduce is part of the graph, in
  // 1 MiB buckets that start on kiln's communication thread while the backward pass goes on.
  kiln::FunctionOptions options;
  options.jit = true;
  auto whole = kiln::function(
      [&](kiln::Tensor xb, kiln::Tensor yb) {
        kiln::GradientTape tape;
        std::vector<kiln::Tensor> params;
        for (auto* v : pointers) params.push_back(v->value());
        kiln::Tensor loss = mlp_loss(xb, yb, params);
        trainer.sgd.apply(dist::all_reduce_gradients(tape.gradient(loss, pointers),
                                                     dist::ReduceOp::mean, size_t{1} << 20),
                          pointers);
        return loss;
      },
      options);
  auto whole_step = [&] { whole(x, labels); };
  const double whole_s =
      medians_per_call({whole_step}, agreed_calls(whole_step, min_time_s), reps)[0];
  if (lead)
    std::printf(
        "W4 data-parallel step compiled whole (JIT, 1 MiB buckets overlapping the "
        "backward pass): %.3f ms (%.2fx the step above)\n",
        whole_s * 1e3, step_s / whole_s);
  return 0;
}

}  // namespace kiln_bench
