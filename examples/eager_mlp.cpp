// The README's eager example: a one-layer classifier's forward pass and loss.
#include <kiln/kiln.h>

#include <cstdint>
#include <vector>

using namespace kiln;

int main() {
  Tensor x = random_normal({64, 784}, /*seed=*/1);
  Tensor w = random_uniform({784, 10}, /*seed=*/2, -0.05f, 0.05f);
  Tensor b = zeros({10});
  Tensor probs = softmax(relu(matmul(x, w) + b), -1);
  Tensor labels = Tensor::from<int64_t>(std::vector<int64_t>(64, 3), {64});
  Tensor loss = mean(softmax_cross_entropy(matmul(x, w) + b, labels));
  print(loss, "loss");
  std::vector<float> p = probs.to_vector<float>();
  return p.size() == 640 ? 0 : 1;
}
