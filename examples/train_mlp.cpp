// An MNIST-shaped classifier trained on synthetic data: MLP + Adam + GradientTape, the
// whole training step compiled by kiln::function. Exits non-zero if it did not learn.
//   train_mlp [OUT_DIR]   also writes OUT_DIR/mlp.safetensors, a checkpoint of the model
//                         and optimizer, and OUT_DIR/mlp_infer.kiln, the inference function
//                         (any batch size) that examples/serve_mlp.cpp loads and runs
#include <kiln/kiln.h>

#include <cstdio>
#include <string>

using namespace kiln;

int main(int argc, char** argv) {
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
  if (final_loss >= initial) return 1;

  if (argc > 1) {
    const std::string dir = argv[1];
    // Training resumes from this checkpoint (kiln::Checkpoint::restore) bit for bit.
    Checkpoint ckpt({{"model", model}, {"optimizer", opt}});
    ckpt.save(dir + "/mlp.safetensors");
    // The inference function for any batch size, saved with the weights it reads.
    FunctionOptions options;
    options.name = "mlp_infer";
    options.input_signature = std::vector<TensorSpec>{{{-1, 784}, DType::f32}};
    auto infer = kiln::function([&](Tensor xb) { return softmax(model(xb), -1); }, options);
    infer.save(dir + "/mlp_infer.kiln");
    const float accuracy = mean(cast(equal(argmax(infer(x), 1), labels), DType::f32)).item<float>();
    std::printf("wrote %s/mlp.safetensors and %s/mlp_infer.kiln (training accuracy %.3f)\n",
                dir.c_str(), dir.c_str(), accuracy);
  }
  return 0;
}
