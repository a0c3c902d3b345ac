/// \file
/// Reverse-mode automatic differentiation: kiln::GradientTape (tf.GradientTape's contract).
///
/// \code
/// kiln::GradientTape tape;            // records the ops this thread runs while it lives
/// Tensor loss = mean(softmax_cross_entropy(model(x), labels));
/// auto grads = tape.gradient(loss, {&w, &b});   // one tensor per source, its shape
/// \endcode
///
/// Rules:
/// - Variables read while a tape lives are watched by default; other tensors only after
///   `watch(t)` (or when computed from watched ones).
/// - A source the target does not depend on gets zeros of its dtype and shape (TensorFlow
///   returns None there; kiln returns zeros so the result is always usable in arithmetic).
///   Integer and boolean values carry no gradient: their gradients are zeros too.
/// - A tape may be asked once unless it is `persistent`; asking a non-persistent tape
///   twice throws kiln::Error.
/// - Tapes nest: the ops a tape runs to compute a gradient are recorded by the other
///   tapes alive on the thread, so an outer tape can differentiate an inner gradient.
/// - Inside a kiln::function the same code traces: the gradient becomes part of the graph
///   and a whole training step compiles. A traced `cond` re-runs its branches (in a
///   kiln.cond of their gradients) when asked for a gradient, so what the branch lambdas
///   capture must still be alive then. `for_range` with a trip count known while tracing
///   (a host integer or a concrete tensor) is unrolled while a tape records; a traced
///   trip count and `while_loop` refuse reverse mode with an error at `gradient`.
/// - A tape does not see inside a call of a compiled function made while it records;
///   asking for a gradient through one throws. Put the tape inside the function.
#pragma once

#include <initializer_list>
#include <memory>
#include <source_location>
#include <vector>

#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln {

namespace detail {
struct TapeState;  // compiler/autodiff/tape.h
}

/// Records the ops this thread runs while it lives, for reverse-mode gradients (the rules
/// above).
class GradientTape {
 public:
  /// A tape that may be asked for gradients once, or any number of times when `persistent`.
  explicit GradientTape(bool persistent = false);
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;
  ~GradientTape();

  /// Marks a tensor (floating, defined) as a source whose gradient may be asked for.
  void watch(const Tensor& t);

  /// d target / d source for each source; target must be floating. A non-scalar target is
  /// summed first (its upstream gradient is ones), as in TensorFlow.
  /// `loc`: the gradient's ops carry kiln's lines called from this one (IR, errors).
  std::vector<Tensor> gradient(const Tensor& target, const std::vector<Variable*>& sources,
                               std::source_location loc = std::source_location::current());
  /// d target / d source for watched tensors (as for variables above).
  std::vector<Tensor> gradient(const Tensor& target, const std::vector<Tensor>& sources,
                               std::source_location loc = std::source_location::current());
  /// `gradient(loss, {&w, &b})`: without this overload two Variable pointers would also
  /// read as std::vector<Tensor>'s (first, last) iterator pair.
  std::vector<Tensor> gradient(const Tensor& target, std::initializer_list<Variable*> sources,
                               std::source_location loc = std::source_location::current()) {
    return gradient(target, std::vector<Variable*>(sources), loc);
  }

  /// Whether gradient may be called more than once.
  bool persistent() const;

 private:
  std::unique_ptr<detail::TapeState> state_;
};

}  // namespace kiln
