// Data-parallel training (kiln::distributed): every rank runs the same compiled step on its
// share of each batch; inside it the gradients are averaged across ranks and every rank
// applies the same update, so all ranks hold the same weights at every step.
//   kiln-launch -n 2 -- train_mlp_distributed      (or: mpirun -np 2 train_mlp_distributed)
// Without kiln-launch it trains alone (a world of one). Exits non-zero if it did not learn.
#include <kiln/distributed.h>
#include <kiln/kiln.h>

#include <cstdio>
#include <vector>

using namespace kiln;
namespace dist = kiln::distributed;

int main() {
  dist::Group world = dist::init();
  const int64_t batch = 64, share = batch / world.size();
  // The task of train_mlp.cpp: the label of x is the argmax of a fixed linear map of x.
  Tensor x = random_normal({256, 784}, /*seed=*/1);
  Tensor labels = argmax(matmul(x, random_normal({784, 10}, /*seed=*/2)), 1);

  MLP model({784, 64, 10}, /*seed=*/3 + static_cast<uint64_t>(world.rank()));
  dist::broadcast_variables(model.variables());  // every rank starts from rank 0's weights
  Adam opt(1e-3);
  // One compiled step: the loss and its gradients, the gradients averaged across the ranks
  // (the compiler packs them into buckets, each sent while the rest of the backward pass
  // runs), the update, and the loss averaged for the log.
  auto step_fn = kiln::function([&](Tensor xb, Tensor yb) {
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(model(xb), yb));
    opt.apply(dist::all_reduce_gradients(tape.gradient(loss, model.variables())),
              model.variables());
    return dist::all_reduce(loss, dist::ReduceOp::mean);
  });

  auto full_loss = [&] { return mean(softmax_cross_entropy(model(x), labels)).item<float>(); };
  const float initial = full_loss();
  for (int step = 0; step < 100; ++step) {
    // Batch `step % 4` of 64 examples; this rank's share of it.
    const int64_t begin = (step % 4) * batch + world.rank() * share;
    const Tensor loss = step_fn(slice(x, {begin, 0}, {begin + share, 784}),
                                slice(labels, {begin}, {begin + share}));
    if (world.rank() == 0 && (step % 20 == 0 || step == 99))
      std::printf("step %3d  loss %.4f\n", step, loss.item<float>());
  }
  const float final_loss = full_loss();
  double checksum = 0;
  for (Variable* v : model.variables())
    checksum += sum(cast(v->value(), DType::f64)).item<double>();
  std::printf("rank %d of %d: loss over all 256 examples %.4f -> %.4f; weights checksum %.17g\n",
              world.rank(), world.size(), initial, final_loss, checksum);
  return final_loss < initial ? 0 : 1;
}
