// kiln-bench: comparing a result against a reference (a host f64 computation, or eager
// mode's result). Every function returns "" when the values agree, else a message naming
// the first disagreement. Tensors may live on any device: values are read through host
// copies (to_vector waits for the device's queued work).
#pragma once

#include <string>
#include <vector>

#include <kiln/kiln.h>

namespace kiln_bench {

/// |got[i] - want[i]| <= atol + rtol * |want[i]| for every i (NaN never agrees).
std::string compare_values(const std::vector<double>& got, const std::vector<double>& want,
                           double rtol, double atol, const std::string& what);

/// Same shape, dtype and values (within tolerance, as doubles).
std::string compare_tensors(const kiln::Tensor& got, const kiln::Tensor& want, double rtol,
                            double atol, const std::string& what);

/// Elementwise comparison of two result lists (one mode's against eager's).
std::string compare_results(const std::vector<kiln::Tensor>& got,
                            const std::vector<kiln::Tensor>& want, double rtol, double atol);

/// How far one result list is from another, for the record (a check that passed may
/// still want to say by how much): the largest |got - want|, the largest
/// |got - want| / |want| over elements with want != 0, and the largest fraction of the
/// tolerance atol + rtol * |want| used (> 1: the check fails). Sizes must agree.
struct Deviation {
  double max_abs = 0, max_rel = 0, max_fraction = 0;
};
Deviation deviation(const std::vector<kiln::Tensor>& got, const std::vector<kiln::Tensor>& want,
                    double rtol, double atol);

/// The tensor's values as doubles (any dtype, any device: a CUDA tensor is copied).
std::vector<double> host(const kiln::Tensor& t);

/// The tensor itself when it is on the CPU, else a host copy of it: for checks that read
/// raw data (data_as throws for device tensors).
kiln::Tensor on_host(const kiln::Tensor& t);

/// The tensors placed on `device` (the same tensors when they are there already).
std::vector<kiln::Tensor> on_device(std::vector<kiln::Tensor> tensors, kiln::Device device);

}  // namespace kiln_bench
