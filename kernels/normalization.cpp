// The device-neutral row-wise composites: the row geometry and the labels (checked on the
// host, for every device) are worked out once, then the output's device picks the backend.
#include "kernels/normalization.h"

#include <string>
#include <vector>

#include "kernels/cpu/normalization.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kiln/error.h"
#include "runtime/dispatch.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels {

void softmax(const Tensor& x, int64_t axis, bool log, const Tensor& out) {
  RowGeometry g;
  g.reduced = x.shape()[axis];
  for (int64_t i = 0; i < axis; ++i) g.outer *= x.shape()[i];
  for (int64_t i = axis + 1; i < x.rank(); ++i) g.inner *= x.shape()[i];
  if (x.numel() == 0) return;
  if (cuda::on_cuda(out)) return cuda::softmax(x, g, log, out);
  cpu::softmax(x, g, log, out);
}

void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                const Tensor& out) {
  if (x.numel() == 0) return;
  if (cuda::on_cuda(out)) return cuda::layer_norm(x, gamma, beta, eps, out);
  cpu::layer_norm(x, gamma, beta, eps, out);
}

void softmax_cross_entropy(const Tensor& logits, const Tensor& labels, const Tensor& out) {
  const int64_t C = logits.shape().back();
  const int64_t rows = labels.numel();
  std::vector<int64_t> label(rows);
  const Tensor host_labels = detail::to_host(labels);
  dispatch_dtype(labels.dtype(), [&]<class I>() {
    const I* p = detail::data<I>(host_labels);
    for (int64_t i = 0; i < rows; ++i) {
      if (p[i] < 0 || static_cast<int64_t>(p[i]) >= C)
        throw Error("[softmax_cross_entropy] label " + std::to_string(static_cast<int64_t>(p[i])) +
                    " at position " + std::to_string(i) + " is out of range [0, " +
                    std::to_string(C) + ")");
      label[i] = static_cast<int64_t>(p[i]);
    }
  });
  if (cuda::on_cuda(out)) return cuda::softmax_cross_entropy(logits, label, out);
  cpu::softmax_cross_entropy(logits, label, out);
}

}  // namespace kiln::kernels
