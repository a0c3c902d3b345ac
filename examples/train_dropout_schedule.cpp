// A classifier with dropout, trained by a compiled step whose learning rate follows a
// warmup + cosine schedule: the dropout mask (kiln::Generator) and the rate change at every
// call, and the step traces once (predict traces once per `training` value and input
// shape). Exits non-zero if it did not learn, retraced, or froze its randomness.
#include <kiln/kiln.h>

#include <cstdio>

using namespace kiln;

int main() {
  // A learnable task: the label of x is the argmax of a fixed random linear map of x.
  Tensor x = random_normal({512, 64}, /*seed=*/1);
  Tensor labels = argmax(matmul(x, random_normal({64, 10}, /*seed=*/2)), 1);

  Dense hidden(64, 128, /*seed=*/3, Activation::relu, DType::f32, "hidden");
  Dense out(128, 10, /*seed=*/4, Activation::none, DType::f32, "out");
  std::vector<Variable*> weights{&hidden.kernel(), &hidden.bias(), &out.kernel(), &out.bias()};
  Generator gen(/*seed=*/5);
  const int steps = 200;
  Adam opt(schedules::linear_warmup(20, schedules::cosine_decay(3e-3, steps - 20, 0.05)));

  auto logits = [&](const Tensor& xb, bool training) {
    return out(nn::dropout(hidden(xb), 0.2, gen, training));
  };
  auto train_step = kiln::function([&](Tensor xb, Tensor yb) {
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(logits(xb, true), yb));
    opt.apply(tape.gradient(loss, weights), weights);
    return loss;
  });
  auto predict = kiln::function([&](Tensor xb, bool training) { return logits(xb, training); });

  // Dropout at work: two training-mode calls differ, two inference calls agree.
  const Tensor probe = x.index({range(0, 4)});
  const bool masks_change = max(abs(predict(probe, true) - predict(probe, true))).item<float>() > 0;
  const bool eval_stable =
      max(abs(predict(probe, false) - predict(probe, false))).item<float>() == 0;

  auto full_loss = [&] {
    return mean(softmax_cross_entropy(predict(x, false), labels)).item<float>();
  };
  const float initial = full_loss();
  for (int step = 0; step < steps; ++step) {
    const int64_t begin = (step % 8) * 64;  // eight batches of 64
    const double rate = opt.learning_rate();
    Tensor loss =
        train_step(x.index({range(begin, begin + 64)}), labels.index({range(begin, begin + 64)}));
    if (step % 25 == 0 || step == steps - 1)
      std::printf("step %3d  lr %.5f  loss %.4f\n", step, rate, loss.item<float>());
  }
  const float final_loss = full_loss();
  std::printf(
      "loss over all 512 examples: %.4f -> %.4f; traces: step %zu, predict %zu; "
      "dropout masks change: %s, inference stable: %s\n",
      initial, final_loss, train_step.trace_count(), predict.trace_count(),
      masks_change ? "yes" : "no", eval_stable ? "yes" : "no");
  const bool ok = final_loss < 0.7 * initial && train_step.trace_count() == 1 &&
                  predict.trace_count() == 3 && masks_change && eval_stable;
  return ok ? 0 : 1;
}
