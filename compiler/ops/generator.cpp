// kiln::Generator: the random ops keyed by a variable (kiln/random.h).
#include "kiln/random.h"

#include "compiler/ops/random_ops.h"
#include "kernels/random.h"
#include "kiln/ops.h"
#include "runtime/tensor_impl.h"

namespace kiln {

Generator::Generator(uint64_t seed, std::string name)
    : seed_(seed), state_(kernels::key_tensor({seed, 0}), std::move(name)) {}

template <class Draw>
Tensor Generator::draw(Draw&& draw) {
  Tensor key = state_.value();
  Tensor out = draw(key);  // a refused draw (bad dtype, bounds) leaves the counter as it was
  // (seed, counter + 1): a constant (0, 1) added, so a traced draw advances the variable
  // at every call of the compiled graph.
  state_.assign(key + kernels::key_tensor({0, 1}));
  return out;
}

int64_t Generator::draws() const { return state_.value().to_vector<int64_t>().at(1); }

Tensor Generator::uniform(Shape shape, float lo, float hi, DType dtype, std::source_location loc) {
  return draw([&](const Tensor& key) {
    return detail::random_uniform(key, std::move(shape), lo, hi, dtype, loc);
  });
}

Tensor Generator::uniform_like(const Tensor& x, float lo, float hi, DType dtype,
                               std::source_location loc) {
  if (!detail::has_dynamic_dims(x)) return uniform(x.shape().vec(), lo, hi, dtype, loc);
  const Tensor dims = kiln::shape(x, loc);
  return draw([&](const Tensor& key) {
    return detail::random_uniform(key, detail::shape_of(x), lo, hi, dtype, loc, &dims);
  });
}

Tensor Generator::normal(Shape shape, float mean, float stddev, DType dtype,
                         std::source_location loc) {
  return draw([&](const Tensor& key) {
    return detail::random_normal(key, std::move(shape), mean, stddev, dtype, loc);
  });
}

Tensor Generator::integers(Shape shape, int64_t lo, int64_t hi, DType dtype,
                           std::source_location loc) {
  return draw([&](const Tensor& key) {
    return detail::random_int(key, std::move(shape), lo, hi, dtype, loc);
  });
}

}  // namespace kiln
