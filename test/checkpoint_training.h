// A small training run that checkpoints and resumes: an MLP with dropout trained by Adam,
// one step per batch, compiled (kiln::function) or eager. Shared by the checkpoint tests
// (in one process) and test/checkpoint_resume.cpp (a fresh process per part of the run).
#pragma once

#include <string>
#include <vector>

#include <kiln/kiln.h>

namespace kiln::test {

struct ResumeOptions {
  bool compiled = true;
  std::string restore_from;  // restore this checkpoint before the first step
  int save_after = -1;       // save after this many steps of the whole run (the step's index + 1)
  std::string save_to;
};

/// Runs steps [first, last) of the run and returns their losses.
inline std::vector<double> train_steps(int first, int last, const ResumeOptions& options) {
  MLP model({16, 32, 4}, 7);
  Adam opt(1e-2);
  Generator gen(3, "dropout");
  Checkpoint ckpt({{"model", model}, {"optimizer", opt}, {"rng", gen}});
  RestoreStatus restored;
  if (!options.restore_from.empty()) restored = ckpt.restore(options.restore_from);
  auto body = [&](Tensor x, Tensor labels) {
    GradientTape tape;
    Tensor logits = nn::dropout(model(x), 0.25, gen);
    Tensor loss = mean(softmax_cross_entropy(logits, labels));
    opt.apply(tape.gradient(loss, model.variables()), model.variables());
    return loss;
  };
  auto step = kiln::function(body);
  std::vector<double> losses;
  for (int i = first; i < last; ++i) {
    Tensor x = random_normal({8, 16}, 1000 + static_cast<uint64_t>(i));
    Tensor labels = random_int({8}, 2000 + static_cast<uint64_t>(i), 0, 4);
    Tensor loss = options.compiled ? step(x, labels) : body(x, labels);
    losses.push_back(loss.item<double>());
    // The optimizer's values wait for its first apply, which has taken them now.
    if (i == first) restored.assert_consumed();
    if (i + 1 == options.save_after) ckpt.save(options.save_to);
  }
  return losses;
}

}  // namespace kiln::test
