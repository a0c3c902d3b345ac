// One shape/dtype rule per op, in plain C++: eager mode calls them to allocate results,
// and the kiln dialect calls the same functions to infer result types. A rule
// returns the result type or a message saying what is wrong; the caller adds the op
// name, the operands and the source location.
//
// Dimensions may be -1 (dynamic, in traced code); the rules treat -1 as "unknown" and
// defer checks they cannot make.
#pragma once

#include <cstdint>
#include <vector>

#include "kiln/dtype.h"
#include "runtime/elementwise_kind.h"
#include "runtime/expected.h"

namespace kiln::rules {

struct TensorType {
  DType dtype;
  Shape shape;
  friend bool operator==(const TensorType&, const TensorType&) = default;
};

/// Tensors hold at most this many bytes (a buffer's size must fit in ptrdiff_t with room
/// for the allocator's rounding).
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 62;

/// The element count of a tensor of `shape` and `dtype`, or why there can be none: a
/// negative dimension, or more elements or bytes than a tensor can hold. -1 dimensions
/// (dynamic, `dynamic_ok`) give -1 after the static ones are checked.
Expected<int64_t> element_count(const Shape& shape, DType dtype, bool dynamic_ok = false);

Expected<Shape> broadcast_shapes(const Shape& a, const Shape& b);
/// Normalizes a possibly negative axis into [0, rank).
Expected<int64_t> normalize_axis(int64_t axis, int64_t rank);
/// Sorted, unique, non-negative axes; Axes{} means all of them.
Expected<std::vector<int64_t>> normalize_axes(const Axes& axes, int64_t rank);

Expected<TensorType> unary(ElementwiseKind kind, const TensorType& x);
Expected<TensorType> binary(ElementwiseKind kind, const TensorType& a, const TensorType& b);
Expected<TensorType> where(const TensorType& cond, const TensorType& a, const TensorType& b);

/// The reductions over axes: one vocabulary for the op functions, the dialect's type
/// inference and the kernels (kernels::ReduceOp is this).
enum class ReduceKind { sum, mean, max, min };

/// `axes` are normalized axes (see normalize_axes). sum and mean refuse booleans.
Expected<TensorType> reduce(ReduceKind kind, const TensorType& x, const std::vector<int64_t>& axes,
                            bool keepdims);
/// The reduced type alone (no dtype rule): for argmax and the gradients' bookkeeping.
TensorType reduce(const TensorType& x, const std::vector<int64_t>& axes, bool keepdims);
/// argmax and argmin: an i64 index along one axis.
Expected<TensorType> argmax(const TensorType& x, int64_t axis, bool keepdims);
/// cumsum along one axis: x's type (booleans refused).
Expected<TensorType> cumsum(const TensorType& x, int64_t axis);
/// The random ops: `key` an i64 (2) tensor, a static shape, a floating dtype (an integer
/// one for random_int, `integers`). With `dims` (an i64 (rank) tensor of the sizes at run
/// time), the shape may have -1 entries.
Expected<TensorType> random(const TensorType& key, const Shape& shape, DType dtype,
                            bool integers, const TensorType* dims = nullptr);

/// Resolves one -1 entry of `shape` against x's element count.
Expected<TensorType> reshape(const TensorType& x, const Shape& shape);
Expected<TensorType> transpose(const TensorType& x, const std::vector<int64_t>& perm);
Expected<TensorType> broadcast_to(const TensorType& x, const Shape& shape);
Expected<TensorType> expand_dims(const TensorType& x, int64_t axis);
Expected<TensorType> squeeze(const TensorType& x, const Axes& axes);
/// Normalizes begin/end in place (negative values count from the end).
Expected<TensorType> slice(const TensorType& x, std::vector<int64_t>& begin,
                           std::vector<int64_t>& end);
Expected<TensorType> concat(const std::vector<TensorType>& xs, int64_t axis);
Expected<TensorType> gather(const TensorType& x, const TensorType& indices, int64_t axis);
Expected<TensorType> one_hot(const TensorType& indices, int64_t depth, DType dtype);
/// x with its entry `index` along `axis` replaced by `value`: index a rank-0 integer,
/// value of x's dtype and of x's shape without `axis`. The result has x's type.
Expected<TensorType> index_update(const TensorType& x, const TensorType& index,
                                  const TensorType& value, int64_t axis);
/// kiln::shape: x's dimensions as a 1-D i64 tensor of length rank(x).
TensorType shape(const TensorType& x);
/// reshape to the sizes a 1-D integer tensor of static length holds at run time: the
/// result has that rank and dynamic dimensions.
Expected<TensorType> dynamic_reshape(const TensorType& x, const TensorType& shape);
/// x summed down to `like`'s shape (undoing a broadcast of `like` to x's shape): like's
/// rank is at most x's, and like's dimensions are 1, x's, or dynamic.
Expected<TensorType> sum_to(const TensorType& x, const TensorType& like);
Expected<TensorType> matmul(const TensorType& a, const TensorType& b);
Expected<TensorType> softmax(const TensorType& x, int64_t axis);
Expected<TensorType> layer_norm(const TensorType& x, const TensorType& gamma,
                                const TensorType& beta);
Expected<TensorType> softmax_cross_entropy(const TensorType& logits, const TensorType& labels);

/// The collectives over a group of `group_size` processes. all_reduce gives x's type (a
/// mean needs a floating dtype); all_gather stacks every rank's x along axis 0 (a scalar
/// gives shape (group_size)); collective_broadcast gives x's type, from a root in the group.
Expected<TensorType> all_reduce(ReduceKind kind, const TensorType& x, int64_t group_size);
Expected<TensorType> all_gather(const TensorType& x, int64_t group_size);
Expected<TensorType> collective_broadcast(const TensorType& x, int64_t root, int64_t group_size);

}  // namespace kiln::rules
