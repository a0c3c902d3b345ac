// kiln-ir's .mlir loader on mutated IR text (ctest kiln_ir.fuzz_mlir: 10,000 files;
// scripts/fuzz.sh: 10^6 under ASan/UBSan). The seeds are real IR of a small function at the
// stages kiln-ir prints (traced, fused, lowered); each mutant (mutate_text's lies and
// mutate's byte damage) goes through the code kiln-ir runs on a .mlir FILE (parse, verify,
// draw as dot): it is drawn or refused with std::runtime_error, never a crash or a hang.
//   kiln_ir_text_fuzz            (KILN_FUZZ_RUNS, KILN_FUZZ_SEED as the other loaders)
#include <kiln/kiln.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ir_graph.h"
#include "mutate.h"

int main() {
  using namespace kiln;
  const kiln::test::FuzzSettings fuzz = kiln::test::fuzz_settings(10'000, 20261211);
  Variable w(random_normal({3, 4}, 1), "w");
  auto f = kiln::function([&](Tensor x) {
    Tensor y = tanh(matmul(x, w.value()) + 1.0f);
    return sum(y * y, 1) - mean(y);
  });
  const Tensor x = random_normal({5, 3}, 2);
  std::vector<std::string> seeds;
  for (Stage stage : {Stage::traced, Stage::fused, Stage::lowered}) {
    seeds.push_back(f.ir(x, stage));
    tools::mlir_to_dot(seeds.back(), "seed");  // each seed is valid as it is
  }
  std::mt19937_64 rng(fuzz.seed);
  long drawn = 0, refused = 0, crashed = 0;
  for (long i = 0; i < fuzz.runs; ++i) {
    std::string text = seeds[static_cast<size_t>(i) % seeds.size()];
    if (rng() % 4 == 0)
      kiln::test::mutate(text, rng);
    else
      kiln::test::mutate_text(text, rng);
    if (const char* dump = std::getenv("KILN_FUZZ_DUMP")) {  // the mutant about to be tried
      std::FILE* out = std::fopen(dump, "wb");
      if (out) std::fwrite(text.data(), 1, text.size(), out), std::fclose(out);
    }
    try {
      tools::mlir_to_dot(text, "mutant", "mutant.mlir");
      ++drawn;
    } catch (const std::runtime_error& e) {
      ++refused;
      crashed += std::string(e.what()).find("parser crashed") != std::string::npos;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mutant %ld: not a parse error: %s\n--- text:\n%s\n", i, e.what(),
                   text.c_str());
      return 1;
    }
  }
  std::printf(
      "fuzz kiln-ir .mlir: %ld drawn, %ld refused (%ld of them crashed MLIR's parser in the "
      "checking child) (seed %llu)\n",
      drawn, refused, crashed, static_cast<unsigned long long>(fuzz.seed));
  // The mutants must mostly be refused, or the mutations are not reaching the parser.
  return refused > fuzz.runs / 2 ? 0 : 1;
}
