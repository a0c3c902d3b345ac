// Launchers of the reduction and row kernels (reduce.cu).
#include <string>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/launch.h"

namespace kiln::kernels::cuda {
namespace {

std::string named(const char* name, DType dtype) { return std::string(name) + suffix(dtype); }

}  // namespace

void reduce(int op, const Tensor& x, RowGeometry g, const Tensor& out) {
  if (g.outer * g.inner == 0) return;
  auto& device = device_of(out);
  if (g.inner == 1) {
    void* fn = kernel(device, Family::reduce, named("kiln_reduce_rows_", x.dtype()));
    launch(device, fn, rows_shape(g.outer), op, g, address(out), address(x));
  } else {
    void* fn = kernel(device, Family::reduce, named("kiln_reduce_columns_", x.dtype()));
    launch(device, fn, elementwise_shape(device, g.outer * g.inner), op, g, address(out),
           address(x));
  }
}

namespace {
/// A kernel with one thread per (outer, inner) lane walking the middle axis, and a flag.
void launch_lanes(const char* name, const Tensor& x, RowGeometry g, bool flag, const Tensor& out) {
  if (out.numel() == 0) return;  // (arg_extreme: outer * inner; cumsum: x.numel())
  auto& device = device_of(out);
  void* fn = kernel(device, Family::reduce, named(name, x.dtype()));
  launch(device, fn, elementwise_shape(device, g.outer * g.inner), g, flag ? 1 : 0,
         address(out), address(x));
}
}  // namespace

void arg_extreme(const Tensor& x, RowGeometry g, bool largest, const Tensor& out) {
  launch_lanes("kiln_arg_extreme_", x, g, largest, out);
}

void cumsum(const Tensor& x, RowGeometry g, bool reverse, const Tensor& out) {
  launch_lanes("kiln_cumsum_", x, g, reverse, out);
}

void softmax(const Tensor& x, RowGeometry g, bool log, const Tensor& out) {
  if (x.numel() == 0) return;
  auto& device = device_of(out);
  const int flag = log ? 1 : 0;
  if (g.inner == 1) {
    void* fn = kernel(device, Family::reduce, named("kiln_softmax_rows_", x.dtype()));
    launch(device, fn, rows_shape(g.outer), g, flag, address(out), address(x));
  } else {
    void* fn = kernel(device, Family::reduce, named("kiln_softmax_columns_", x.dtype()));
    launch(device, fn, elementwise_shape(device, g.outer * g.inner), g, flag, address(out),
           address(x));
  }
}

void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                const Tensor& out) {
  if (x.numel() == 0) return;
  auto& device = device_of(out);
  RowGeometry g;
  g.reduced = x.shape().back();
  g.outer = x.numel() / g.reduced;
  void* fn = kernel(device, Family::reduce, named("kiln_layer_norm_", x.dtype()));
  launch(device, fn, rows_shape(g.outer), g, eps, address(out), address(x), address(gamma),
         address(beta));
}

void softmax_cross_entropy(const Tensor& logits, const std::vector<int64_t>& labels,
                           const Tensor& out) {
  if (labels.empty()) return;
  auto& device = device_of(out);
  RowGeometry g;
  g.reduced = logits.shape().back();
  g.outer = static_cast<int64_t>(labels.size());
  Tensor l = upload(labels, out.device());
  void* fn = kernel(device, Family::reduce, named("kiln_softmax_cross_entropy_", logits.dtype()));
  launch(device, fn, rows_shape(g.outer), g, address(out), address(logits), address(l));
}

}  // namespace kiln::kernels::cuda
