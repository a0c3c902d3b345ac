// kiln-bench: comparing a result against a reference (a host f64 computation, or eager
// mode's result). Every function returns "" when the values agree, else a message naming
// the first disagreement.
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

/// The tensor's values as doubles (any dtype).
std::vector<double> host(const kiln::Tensor& t);

}  // namespace kiln_bench
