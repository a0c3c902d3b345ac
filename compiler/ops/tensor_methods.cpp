// Tensor's methods: thin calls of the free op functions (kiln/ops.h), so a method traces,
// differentiates and reports errors exactly as the function does.
#include <string>
#include <vector>

#include "compiler/ops/op_support.h"
#include "kiln/ops.h"
#include "runtime/tensor_impl.h"

namespace kiln {

Tensor Tensor::reshape(Shape shape, Loc loc) const {
  return kiln::reshape(*this, std::move(shape), loc);
}
Tensor Tensor::transpose(std::vector<int64_t> perm, Loc loc) const {
  return kiln::transpose(*this, std::move(perm), loc);
}
Tensor Tensor::T(Loc loc) const { return kiln::transpose(*this, {}, loc); }
Tensor Tensor::sum(Axes axes, bool keepdims, Loc loc) const {
  return kiln::sum(*this, std::move(axes), keepdims, loc);
}
Tensor Tensor::mean(Axes axes, bool keepdims, Loc loc) const {
  return kiln::mean(*this, std::move(axes), keepdims, loc);
}
Tensor Tensor::max(Axes axes, bool keepdims, Loc loc) const {
  return kiln::max(*this, std::move(axes), keepdims, loc);
}
Tensor Tensor::min(Axes axes, bool keepdims, Loc loc) const {
  return kiln::min(*this, std::move(axes), keepdims, loc);
}
Tensor Tensor::argmax(int64_t axis, bool keepdims, Loc loc) const {
  return kiln::argmax(*this, axis, keepdims, loc);
}
Tensor Tensor::argmin(int64_t axis, bool keepdims, Loc loc) const {
  return kiln::argmin(*this, axis, keepdims, loc);
}
Tensor Tensor::squeeze(Axes axes, Loc loc) const {
  return kiln::squeeze(*this, std::move(axes), loc);
}
Tensor Tensor::expand_dims(int64_t axis, Loc loc) const {
  return kiln::expand_dims(*this, axis, loc);
}
Tensor Tensor::matmul(const Tensor& other, Loc loc) const {
  return kiln::matmul(*this, other, loc);
}

Tensor Tensor::index(std::initializer_list<Index> indices, Loc loc) const {
  detail::CallSite site{"index", &loc};
  detail::check_operands(site, {this});
  const Shape& shape = detail::shape_of(*this);
  const auto rank = static_cast<int64_t>(shape.size());
  if (static_cast<int64_t>(indices.size()) > rank)
    detail::throw_op_error(
        site,
        std::to_string(indices.size()) + " indices for a tensor of rank " + std::to_string(rank),
        {this});
  std::vector<int64_t> begin(shape.size(), 0), end = shape, dropped;
  int64_t axis = 0;
  for (const Index& index : indices) {
    const int64_t n = shape[static_cast<size_t>(axis)];
    const std::string where = "axis " + std::to_string(axis);
    if (n < 0)
      detail::throw_op_error(site,
                             where +
                                 " has a dynamic size: index it with kiln::gather (and "
                                 "kiln::dim for its size)",
                             {this});
    if (index.integer()) {
      const int64_t i = index.start() < 0 ? index.start() + n : index.start();
      if (i < 0 || i >= n)
        detail::throw_op_error(site,
                               "index " + std::to_string(index.start()) + " is out of range for " +
                                   where + " of size " + std::to_string(n),
                               {this});
      begin[static_cast<size_t>(axis)] = i;
      end[static_cast<size_t>(axis)] = i + 1;
      dropped.push_back(axis);
    } else {
      // NumPy's slice bounds: negatives count from the end, then both clamp to [0, n].
      auto bound = [n](int64_t v) {
        if (v == Index::kEnd) return n;
        if (v < 0) v += n;
        return v < 0 ? 0 : v > n ? n : v;
      };
      const int64_t b = bound(index.start()), e = bound(index.stop());
      begin[static_cast<size_t>(axis)] = b;
      end[static_cast<size_t>(axis)] = e < b ? b : e;
    }
    ++axis;
  }
  for (int64_t a = axis; a < rank; ++a)
    if (shape[static_cast<size_t>(a)] < 0)
      detail::throw_op_error(site,
                             "axis " + std::to_string(a) +
                                 " has a dynamic size: index a tensor of static sizes, or use "
                                 "kiln::gather",
                             {this});
  Tensor out = kiln::slice(*this, begin, end, loc);
  return dropped.empty() ? out : kiln::squeeze(out, Axes(dropped), loc);
}

Tensor Tensor::operator[](Index i) const { return index({i}); }

}  // namespace kiln
