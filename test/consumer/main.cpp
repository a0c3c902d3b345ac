// A program of kiln's user, built outside kiln's tree against an installed kiln: by CMake
// (find_package(kiln), CMakeLists.txt here) and by pkg-config (run.sh). Exits non-zero,
// saying why, if anything a user relies on does not hold: the headers and the library are
// one version, a compiled function equals eager mode bit for bit, a compiled training step
// learns, and an error names this file and line.
#include <kiln/kiln.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace kiln;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

}  // namespace

int main() {
  check(std::strcmp(kiln::version(), KILN_VERSION_STRING) == 0,
        "libkiln's version is the headers' version");

  // A compiled function equals eager mode, bit for bit.
  Tensor x = random_normal({32, 16}, /*seed=*/1);
  Tensor w = random_normal({16, 8}, /*seed=*/2);
  auto layer = [](Tensor a, Tensor b) { return tanh(matmul(a, b)) * 2.0f + sigmoid(a).sum(); };
  auto compiled = kiln::function(layer);
  std::vector<float> eager = layer(x, w).to_vector<float>();
  std::vector<float> graph = compiled(x, w).to_vector<float>();
  check(eager == graph, "a compiled function equals eager mode bit for bit");
  check(compiled.trace_count() == 1, "one trace for one signature");

  // A compiled training step learns.
  Tensor data = random_normal({128, 20}, /*seed=*/3);
  Tensor labels = argmax(matmul(data, random_normal({20, 4}, /*seed=*/4)), 1);
  MLP model({20, 32, 4}, /*seed=*/5);
  Adam opt(1e-2);
  auto step = kiln::function([&](Tensor xb, Tensor yb) {
    GradientTape tape;
    Tensor loss = mean(softmax_cross_entropy(model(xb), yb));
    opt.apply(tape.gradient(loss, model.variables()), model.variables());
    return loss;
  });
  float first = step(data, labels).item<float>(), last = first;
  for (int i = 0; i < 50; ++i) last = step(data, labels).item<float>();
  std::printf("      training loss %.4f -> %.4f\n", first, last);
  check(last < 0.5f * first, "a compiled training step halves the loss in 50 steps");

  // Bad input: a kiln::Error naming the op and this file's line.
  std::string message;
  const int line = __LINE__ + 2;
  try {
    matmul(x, x);
  } catch (const kiln::Error& e) {
    message = e.what();
  }
  std::printf("      error: %s\n", message.c_str());
  check(message.find("matmul") != std::string::npos, "the error names the op");
  check(message.find("main.cpp:" + std::to_string(line)) != std::string::npos,
        "the error names the user's file and line");

  std::printf("consumer: %s (kiln %s)\n", failures ? "FAILED" : "passed", kiln::version());
  return failures ? 1 : 0;
}
