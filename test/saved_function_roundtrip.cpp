// Saved functions across processes, for ctest saved_function.fresh_process:
//   saved_function_roundtrip save DIR    writes a file per op of the op list (its op case)
//                                        and a compiled training step (MLP + Adam)
//   saved_function_roundtrip check DIR   loads them in this fresh process (jit and graph
//                                        mode) and compares them bit for bit with the same
//                                        functions traced here; the training step runs 3
//                                        steps, loaded and traced, with equal losses and
//                                        variables
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "op_cases.h"
#include "runtime/op_list.h"
#include "test_files.h"

using namespace kiln;
using kiln::test::bits;

namespace {

/// The training step both processes build: the same model and optimizer from the same seed.
struct Training {
  MLP model{{16, 32, 4}, 7};
  Adam opt{1e-2};
  Tensor x = random_normal({8, 16}, 1);
  Tensor labels = random_int({8}, 2, 0, 4);
  std::function<Tensor(Tensor, Tensor)> body = [this](Tensor xb, Tensor yb) {
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(model(xb), yb));
    opt.apply(tape.gradient(loss, model.variables()), model.variables());
    return loss;
  };
};

int failures = 0;
void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "MISMATCH: %s\n", what.c_str());
    ++failures;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "save") != 0 && std::strcmp(argv[1], "check") != 0)) {
    std::fprintf(stderr, "usage: %s save|check DIR\n", argv[0]);
    return 2;
  }
  const bool save = std::strcmp(argv[1], "save") == 0;
  const std::string dir = argv[2];
  try {
    auto table = test::op_cases();
    int checked = 0;
    for (const OpInfo& op : kOps) {
      const test::OpCase& c = table.at(op.name);
      const std::string path = dir + "/" + op.name + ".kiln";
      auto traced = [&](bool jit) {
        FunctionOptions options = c.options(op.name);
        options.jit = jit;
        return kiln::function([&](const std::vector<Tensor>& xs) { return c.fn(xs); }, options);
      };
      if (save) {
        traced(true).save(path, c.inputs);
        continue;
      }
      for (bool jit : {false, true}) {
        // The same kernels: the traced function in the same mode.
        const Tensor want = traced(jit)(c.inputs);
        std::vector<Tensor> got = load(path, {.jit = jit})(c.inputs);
        expect(got.size() == 1 && got[0].dtype() == want.dtype() &&
                   got[0].shape() == want.shape() && bits(got[0]) == bits(want),
               std::string(op.name) + (jit ? " (jit)" : " (graph)"));
        ++checked;
      }
    }
    Training training;
    auto step = kiln::function(training.body);
    if (save) {
      step.save(dir + "/train_step.kiln", training.x, training.labels);
      std::printf("saved %zu op functions and a training step to %s\n", std::size(kOps),
                  dir.c_str());
      return 0;
    }
    LoadedFunction loaded = load(dir + "/train_step.kiln");
    for (int i = 0; i < 3; ++i) {
      const Tensor want = step(training.x, training.labels);
      const Tensor got = loaded({training.x, training.labels}).at(0);
      expect(bits(got) == bits(want), "training step " + std::to_string(i) + " loss");
    }
    // The loaded step's variables moved exactly as the traced step's.
    std::vector<Variable*> traced = training.model.variables();
    for (Variable* v : training.opt.variables()) traced.push_back(v);
    for (Variable* mine : loaded.variables())
      for (Variable* theirs : traced)
        if (theirs->name() == mine->name())
          expect(bits(mine->value()) == bits(theirs->value()), "variable " + mine->name());
    expect(loaded.variables().size() == traced.size(), "the training step's variable count");
    std::printf("checked %d loaded op functions and 3 training steps in a fresh process: %s\n",
                checked, failures == 0 ? "bit for bit" : "MISMATCHES");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "saved_function_roundtrip: %s\n", e.what());
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
