// The accuracy of kiln's floating-point functions, measured against long double references
// over inputs from every binade, in eager mode, graph mode and the JIT: what kiln-accuracy
// writes to ACCURACY.md, and what the suite (test/test_accuracy.cpp) checks a sample of.
// The bounds stated here are the contract; a measurement above its bound is a bug.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <kiln/kiln.h>

namespace kiln::accuracy {

/// The three ways a function runs: eagerly, in a kiln::function with jit=false, with jit.
inline constexpr int kModes = 3;
inline const char* const kModeNames[kModes] = {"eager", "graph", "jit"};

/// An elementwise function: its error is measured in ulps of the correctly rounded result
/// (the distance to the reference in units of the result dtype's spacing there; subnormal
/// results count in the subnormal spacing).
struct Elementwise {
  std::string name;
  DType dtype;
  double bound;        // max ulps allowed, every mode, over `domain`
  std::string domain;  // where the bound holds (ACCURACY.md's column)
  std::function<Tensor(const Tensor&)> apply;
  std::function<long double(long double)> reference;
};

/// A row function (softmax, log_softmax, layer_norm over the last axis): its error is
/// measured per element as |got - ref| / (eps * max(1, |ref|) * k), eps the dtype's unit
/// roundoff (2^-24, 2^-53) and k the row's condition (1, or what `condition` says), over
/// rows of 1 to 1024 values spread as described in `domain`.
struct Rowwise {
  std::string name;
  DType dtype;
  double bound;  // max error in those units, every mode
  std::string domain;
  std::function<Tensor(const Tensor&)> apply;  // on a (rows, D) tensor
  /// The reference of one row (long double).
  std::function<void(const std::vector<long double>& row, std::vector<long double>& out)> reference;
  /// The row's condition number, if the function has one that no algorithm in the
  /// input's precision escapes (layer_norm: max|x| / sigma, from x - mean); else null (1).
  std::function<long double(const std::vector<long double>& row)> condition;
};

const std::vector<Elementwise>& elementwise_functions();
const std::vector<Rowwise>& rowwise_functions();

struct Measurement {
  uint64_t samples = 0;
  double max_error[kModes] = {0, 0, 0};    // ulps (elementwise) or eps units (rowwise)
  double worst_input[kModes] = {0, 0, 0};  // an argument where max_error was reached
  uint64_t special_mismatches[kModes] = {
      0, 0, 0};                // NaN/inf where the reference has none, or none where it has
  uint64_t modes_differ = 0;   // elements where the three modes did not give the same bits
  std::string first_mismatch;  // a description of one special mismatch, if any
  std::string worst[kModes];   // a description of where each max_error was reached
};

/// Measures `f` on `samples` inputs (seeded): three quarters random bit patterns (every
/// binade alike, both signs, subnormals and specials included), a quarter in [-10, 10].
Measurement measure(const Elementwise& f, uint64_t samples, uint64_t seed);
/// Measures `f` on about `samples` elements in rows of 1 to 1024.
Measurement measure(const Rowwise& f, uint64_t samples, uint64_t seed);

/// ACCURACY.md: the preamble and a table row per function (measurements in the same order
/// as the function lists).
std::string report(const std::vector<Measurement>& elementwise,
                   const std::vector<Measurement>& rowwise, uint64_t samples);

}  // namespace kiln::accuracy
