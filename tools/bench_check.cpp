#include "bench_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kiln_bench {

std::vector<double> host(const kiln::Tensor& t) { return t.to_vector<double>(); }

kiln::Tensor on_host(const kiln::Tensor& t) { return t.to(kiln::Device{}); }

std::vector<kiln::Tensor> on_device(std::vector<kiln::Tensor> tensors, kiln::Device device) {
  for (kiln::Tensor& t : tensors) t = t.to(device);
  return tensors;
}

std::string compare_values(const std::vector<double>& got, const std::vector<double>& want,
                           double rtol, double atol, const std::string& what) {
  if (got.size() != want.size()) {
    return what + ": " + std::to_string(got.size()) + " values, expected " +
           std::to_string(want.size());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    double diff = std::fabs(got[i] - want[i]);
    if (!(diff <= atol + rtol * std::fabs(want[i]))) {  // written so that NaN fails
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s: element %zu is %.9g, expected %.9g (|diff| %.3g)",
                    what.c_str(), i, got[i], want[i], diff);
      return buf;
    }
  }
  return "";
}

std::string compare_tensors(const kiln::Tensor& got, const kiln::Tensor& want, double rtol,
                            double atol, const std::string& what) {
  if (got.shape() != want.shape() || got.dtype() != want.dtype()) {
    return what + ": got " + std::string(kiln::dtype_name(got.dtype())) + " " +
           kiln::shape_str(got.shape()) + ", expected " +
           std::string(kiln::dtype_name(want.dtype())) + " " + kiln::shape_str(want.shape());
  }
  return compare_values(host(got), host(want), rtol, atol, what);
}

std::string compare_results(const std::vector<kiln::Tensor>& got,
                            const std::vector<kiln::Tensor>& want, double rtol, double atol) {
  if (got.size() != want.size()) {
    return std::to_string(got.size()) + " results, eager gives " + std::to_string(want.size());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    auto message = compare_tensors(got[i], want[i], rtol, atol, "result " + std::to_string(i));
    if (!message.empty()) return message;
  }
  return "";
}

Deviation deviation(const std::vector<kiln::Tensor>& got, const std::vector<kiln::Tensor>& want,
                    double rtol, double atol) {
  Deviation d;
  for (size_t k = 0; k < got.size() && k < want.size(); ++k) {
    auto g = host(got[k]), w = host(want[k]);
    for (size_t i = 0; i < g.size() && i < w.size(); ++i) {
      double diff = std::fabs(g[i] - w[i]);
      d.max_abs = std::max(d.max_abs, diff);
      if (w[i] != 0) d.max_rel = std::max(d.max_rel, diff / std::fabs(w[i]));
      d.max_fraction = std::max(d.max_fraction, diff / (atol + rtol * std::fabs(w[i])));
    }
  }
  return d;
}

}  // namespace kiln_bench
