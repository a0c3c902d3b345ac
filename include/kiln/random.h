/// \file
/// kiln::Generator: random numbers that are new at each call of a compiled function and
/// reproducible from a seed, as tf.random.Generator (and JAX's split keys, without the
/// bookkeeping).
///
/// \code
/// kiln::Generator gen(42);
/// auto step = kiln::function([&](Tensor x) {
///   return kiln::nn::dropout(x, 0.1, gen, /*training=*/true);  // a new mask every call
/// });
/// \endcode
///
/// Its state is a Variable (i64 (2): the seed and a draw counter). Each draw reads it and
/// adds 1 to the counter: eagerly that happens at once, inside a kiln::function at every
/// call of the compiled graph, in program order. Draw n of a seed is the same numbers
/// eagerly and compiled, on any thread count (Philox-4x32-10, counter-based: element i of
/// draw n is a pure function of (seed, n, i)). The stateless kiln::random_uniform(shape,
/// seed) is draw 0 of its seed.
///
/// Like torch.Generator, one Generator is not for concurrent use: give each thread its own
/// (or its own seed). Creating one inside a traced function is allowed on the first trace
/// only, as for any Variable.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>

#include "kiln/dtype.h"
#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln {

/// A stream of random draws from a seed (see above); its state is a Variable.
class Generator {
 public:
  /// A generator at draw 0 of `seed`; `name` names its state variable.
  explicit Generator(uint64_t seed, std::string name = "generator");

  /// Uniform in [lo, hi); f32 or f64.
  Tensor uniform(Shape shape, float lo = 0, float hi = 1, DType dtype = DType::f32,
                 std::source_location loc = std::source_location::current());
  /// Normal with `mean` and `stddev`; f32 or f64.
  Tensor normal(Shape shape, float mean = 0, float stddev = 1, DType dtype = DType::f32,
                std::source_location loc = std::source_location::current());
  /// Uniform in [lo, hi) with x's shape, dynamic dimensions too (inside a kiln::function
  /// traced with an input_signature of -1s, the sizes are read when the graph runs).
  Tensor uniform_like(const Tensor& x, float lo = 0, float hi = 1, DType dtype = DType::f32,
                      std::source_location loc = std::source_location::current());
  /// Integers uniform in [lo, hi); i32 or i64.
  Tensor integers(Shape shape, int64_t lo, int64_t hi, DType dtype = DType::i64,
                  std::source_location loc = std::source_location::current());

  /// The seed it was made with.
  uint64_t seed() const { return seed_; }
  /// The state (seed, counter): checkpoint it, or assign it to rewind.
  Variable& state() { return state_; }
  /// Draws made so far (the counter), read on the host.
  int64_t draws() const;

 private:
  /// draw(key) with the current key, then the counter advanced (a variable write).
  template <class Draw>
  Tensor draw(Draw&& draw);

  uint64_t seed_;
  Variable state_;
};

}  // namespace kiln
