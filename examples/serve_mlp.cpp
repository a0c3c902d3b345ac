// Serves the classifier examples/train_mlp.cpp exported, with no model code: kiln::load
// reads the compiled inference function and its weights from the file, and it runs on
// batches of any size. Exits non-zero if its accuracy is not far above chance.
//   serve_mlp FILE.kiln
#include <kiln/kiln.h>

#include <cstdio>

using namespace kiln;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s mlp_infer.kiln\n", argv[0]);
    return 2;
  }
  try {
    LoadedFunction infer = load(argv[1]);
    const SavedSignature& signature = infer.signatures().front();
    std::printf("loaded '%s' (written by kiln %s): %zu argument(s), %zu variable(s)\n",
                infer.name().c_str(), infer.writer_version().c_str(), signature.args.size(),
                infer.variables().size());
    // The data train_mlp learned from (the same seeds), in batches of 100, 100 and 56.
    Tensor x = random_normal({256, 784}, /*seed=*/1);
    Tensor labels = argmax(matmul(x, random_normal({784, 10}, /*seed=*/2)), 1);
    int64_t correct = 0;
    for (int64_t begin = 0; begin < 256; begin += 100) {
      const int64_t end = begin + 100 < 256 ? begin + 100 : 256;
      Tensor probs = infer({slice(x, {begin, 0}, {end, 784})}).at(0);
      correct += sum(cast(equal(argmax(probs, 1), slice(labels, {begin}, {end})), DType::i64))
                     .item<int64_t>();
    }
    const double accuracy = static_cast<double>(correct) / 256.0;
    std::printf("accuracy over 256 examples: %.3f\n", accuracy);
    return accuracy > 0.5 ? 0 : 1;  // chance is 0.1
  } catch (const Error& e) {
    std::fprintf(stderr, "serve_mlp: %s\n", e.what());
    return 1;
  }
}
