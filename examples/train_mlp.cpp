// An MNIST-shaped classifier trained on synthetic data: MLP + Adam + GradientTape, the
// whole training step compiled by kiln::function. Exits non-zero if it did not learn.
#include <kiln/kiln.h>

#include <cstdio>

using namespace kiln;

int main() {
  // A learnable task: the label of x is the argmax of a fixed random linear map of x.
  Tensor x = random_normal({256, 784}, /*seed=*/1);
  Tensor labels = argmax(matmul(x, random_normal({784, 10}, /*seed=*/2)), 1);

  MLP model({784, 64, 10}, /*seed=*/3);
  Adam opt(1e-3);
  auto train_step = kiln::function([&](Tensor xb, Tensor yb) {
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(model(xb), yb));
    opt.apply(tape.gradient(loss, model.variables()), model.variables());
    return loss;
  });

  auto full_loss = [&] { return mean(softmax_cross_entropy(model(x), labels)).item<float>(); };
  float initial = full_loss();
  for (int step = 0; step < 100; ++step) {
    int64_t begin = (step % 4) * 64;  // four batches of 64
    Tensor loss =
        train_step(slice(x, {begin, 0}, {begin + 64, 784}), slice(labels, {begin}, {begin + 64}));
    if (step % 10 == 0 || step == 99)
      std::printf("step %3d  loss %.4f\n", step, loss.item<float>());
  }
  float final_loss = full_loss();
  std::printf("loss over all 256 examples: %.4f -> %.4f (%zu trace)\n", initial, final_loss,
              train_step.trace_count());
  return final_loss < initial ? 0 : 1;
}
