#include "runtime/shape_rules.h"

#include <algorithm>
#include <string>

namespace kiln::rules {
namespace {

std::string type_str(const TensorType& t) {
  return std::string(dtype_name(t.dtype)) + " " + shape_str(t.shape);
}

int64_t rank_of(const TensorType& t) { return static_cast<int64_t>(t.shape.size()); }

Expected<TensorType> check_kind(ElementwiseKind kind, DType dtype) {
  switch (kind) {
    case ElementwiseKind::arithmetic:
      if (dtype == DType::boolean) return fail("boolean operands are not supported; cast first");
      break;
    case ElementwiseKind::floating:
      if (!is_floating(dtype))
        return fail("needs a floating dtype (f32 or f64), got " + std::string(dtype_name(dtype)));
      break;
    case ElementwiseKind::logical:
      if (dtype != DType::boolean)
        return fail("needs boolean operands, got " + std::string(dtype_name(dtype)));
      break;
    case ElementwiseKind::compare:
      break;
  }
  return TensorType{dtype, {}};
}

DType result_dtype(ElementwiseKind kind, DType operand) {
  return (kind == ElementwiseKind::compare || kind == ElementwiseKind::logical) ? DType::boolean
                                                                                : operand;
}

}  // namespace

Expected<int64_t> element_count(const Shape& shape, DType dtype, bool dynamic_ok) {
  int64_t n = 1;
  bool dynamic = false;
  for (int64_t d : shape) {
    if (d == -1 && dynamic_ok) {
      dynamic = true;
      continue;
    }
    if (d < 0) return fail("invalid shape " + shape_str(shape) + ": dimensions must be >= 0");
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxTensorBytes)
      return fail("shape " + shape_str(shape) + " has more elements than a tensor can hold");
  }
  if (n > kMaxTensorBytes / static_cast<int64_t>(dtype_size(dtype)))
    return fail("shape " + shape_str(shape) + " of " + std::string(dtype_name(dtype)) +
                " needs more bytes than a tensor can hold");
  return dynamic ? int64_t{-1} : n;
}

Expected<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (da == -1 || db == -1)
      out[i] = da == -1 ? db : da;  // checked at run time
    else
      return fail("shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
  }
  return out;
}

Expected<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return fail("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Expected<std::vector<int64_t>> normalize_axes(const Axes& axes, int64_t rank) {
  std::vector<int64_t> out;
  if (axes.all()) {
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes.list()) {
    auto n = normalize_axis(a, rank);
    if (!n) return fail(n.error());
    out.push_back(*n);
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) return fail("an axis is repeated");
  return out;
}

Expected<TensorType> unary(ElementwiseKind kind, const TensorType& x) {
  auto k = check_kind(kind, x.dtype);
  if (!k) return fail(k.error());
  return TensorType{result_dtype(kind, x.dtype), x.shape};
}

Expected<TensorType> binary(ElementwiseKind kind, const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype)
    return fail("dtypes differ: " + std::string(dtype_name(a.dtype)) + " vs " +
                std::string(dtype_name(b.dtype)) + " (cast one operand)");
  auto k = check_kind(kind, a.dtype);
  if (!k) return fail(k.error());
  auto shape = broadcast_shapes(a.shape, b.shape);
  if (!shape) return fail(shape.error());
  return TensorType{result_dtype(kind, a.dtype), *shape};
}

Expected<TensorType> where(const TensorType& cond, const TensorType& a, const TensorType& b) {
  if (cond.dtype != DType::boolean)
    return fail("condition must be boolean, got " + std::string(dtype_name(cond.dtype)));
  if (a.dtype != b.dtype)
    return fail("dtypes differ: " + std::string(dtype_name(a.dtype)) + " vs " +
                std::string(dtype_name(b.dtype)));
  auto ab = broadcast_shapes(a.shape, b.shape);
  if (!ab) return fail(ab.error());
  auto all = broadcast_shapes(cond.shape, *ab);
  if (!all) return fail(all.error());
  return TensorType{a.dtype, *all};
}

TensorType reduce(const TensorType& x, const std::vector<int64_t>& axes, bool keepdims) {
  Shape out;
  for (int64_t i = 0; i < rank_of(x); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced)
      out.push_back(x.shape[i]);
    else if (keepdims)
      out.push_back(1);
  }
  return TensorType{x.dtype, out};
}

Expected<TensorType> reduce(ReduceKind kind, const TensorType& x, const std::vector<int64_t>& axes,
                            bool keepdims) {
  if ((kind == ReduceKind::sum || kind == ReduceKind::mean) && x.dtype == DType::boolean)
    return fail("boolean input is not supported; cast it first");
  return reduce(x, axes, keepdims);
}

Expected<TensorType> argmax(const TensorType& x, int64_t axis, bool keepdims) {
  if (x.dtype == DType::boolean) return fail("boolean input is not supported; cast first");
  auto a = normalize_axis(axis, rank_of(x));
  if (!a) return fail(a.error());
  if (x.shape[*a] == 0) return fail("a zero-sized axis has no first maximum or minimum");
  TensorType r = reduce(x, {*a}, keepdims);
  r.dtype = DType::i64;
  return r;
}

Expected<TensorType> cumsum(const TensorType& x, int64_t axis) {
  if (x.dtype == DType::boolean) return fail("boolean input is not supported; cast it first");
  auto a = normalize_axis(axis, rank_of(x));
  if (!a) return fail(a.error());
  return x;
}

Expected<TensorType> random(const TensorType& key, const Shape& shape, DType dtype,
                            bool integers, const TensorType* dims) {
  if (key.dtype != DType::i64 || key.shape != Shape{2})
    return fail("the key must be an i64 tensor of shape (2) (seed, counter), got " +
                std::string(dtype_name(key.dtype)) + " " + shape_str(key.shape));
  if (integers ? !is_integer(dtype) : !is_floating(dtype))
    return fail(std::string("dtype must be ") + (integers ? "i32 or i64" : "f32 or f64") +
                ", got " + std::string(dtype_name(dtype)));
  if (dims != nullptr &&
      (dims->dtype != DType::i64 || dims->shape != Shape{static_cast<int64_t>(shape.size())}))
    return fail("the sizes must be an i64 tensor of shape (" + std::to_string(shape.size()) +
                ",), got " + std::string(dtype_name(dims->dtype)) + " " + shape_str(dims->shape));
  for (int64_t d : shape) {
    if (d == -1 && dims == nullptr)
      return fail("a dynamic dimension needs its size at run time (the dims operand), got " +
                  shape_str(shape));
    if (d < -1 || (d < 0 && dims == nullptr))
      return fail("the shape must be non-negative, got " + shape_str(shape));
  }
  auto count = element_count(shape, dtype, /*dynamic_ok=*/dims != nullptr);
  if (!count) return fail(count.error());
  return TensorType{dtype, shape};
}

Expected<TensorType> reshape(const TensorType& x, const Shape& shape) {
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0) return fail("at most one dimension may be -1, got " + shape_str(shape));
      infer_at = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      return fail("invalid dimension " + std::to_string(shape[i]) + " in " + shape_str(shape));
    } else if (__builtin_mul_overflow(known, shape[i], &known)) {
      return fail("shape " + shape_str(shape) + " has more elements than a tensor can hold");
    }
  }
  Shape out = shape;
  bool dynamic = false;
  for (int64_t d : x.shape) dynamic |= d < 0;
  if (dynamic) return TensorType{x.dtype, out};  // the -1 (if any) is resolved at run time
  int64_t count = numel_of(x.shape);
  if (infer_at >= 0) {
    if (known == 0 || count % known != 0)
      return fail("cannot reshape " + std::to_string(count) + " elements into " + shape_str(shape));
    out[infer_at] = count / known;
  } else if (known != count) {
    return fail("cannot reshape " + std::to_string(count) + " elements into " + shape_str(shape) +
                " (" + std::to_string(known) + " elements)");
  }
  return TensorType{x.dtype, out};
}

Expected<TensorType> transpose(const TensorType& x, const std::vector<int64_t>& perm) {
  int64_t r = rank_of(x);
  if (static_cast<int64_t>(perm.size()) != r)
    return fail("perm has " + std::to_string(perm.size()) + " entries for rank " +
                std::to_string(r));
  std::vector<bool> seen(r, false);
  Shape out(r);
  for (int64_t i = 0; i < r; ++i) {
    int64_t p = perm[i];
    if (p < 0 || p >= r || seen[p])
      return fail("perm is not a permutation of 0.." + std::to_string(r - 1));
    seen[p] = true;
    out[i] = x.shape[p];
  }
  return TensorType{x.dtype, out};
}

Expected<TensorType> broadcast_to(const TensorType& x, const Shape& shape) {
  auto b = broadcast_shapes(x.shape, shape);
  if (!b || *b != shape)
    return fail("cannot broadcast " + shape_str(x.shape) + " to " + shape_str(shape));
  return TensorType{x.dtype, shape};
}

Expected<TensorType> expand_dims(const TensorType& x, int64_t axis) {
  auto a = normalize_axis(axis, rank_of(x) + 1);
  if (!a) return fail(a.error());
  Shape out = x.shape;
  out.insert(out.begin() + *a, 1);
  return TensorType{x.dtype, out};
}

Expected<TensorType> squeeze(const TensorType& x, const Axes& axes) {
  Shape out;
  if (axes.all()) {
    for (int64_t d : x.shape)
      if (d != 1) out.push_back(d);
    return TensorType{x.dtype, out};
  }
  auto norm = normalize_axes(axes, rank_of(x));
  if (!norm) return fail(norm.error());
  for (int64_t i = 0; i < rank_of(x); ++i) {
    bool drop = std::find(norm->begin(), norm->end(), i) != norm->end();
    if (drop && x.shape[i] != 1 && x.shape[i] != -1)  // a dynamic one is checked when it runs
      return fail("cannot squeeze axis " + std::to_string(i) + " of size " +
                  std::to_string(x.shape[i]));
    if (!drop) out.push_back(x.shape[i]);
  }
  return TensorType{x.dtype, out};
}

Expected<TensorType> slice(const TensorType& x, std::vector<int64_t>& begin,
                           std::vector<int64_t>& end) {
  int64_t r = rank_of(x);
  if (static_cast<int64_t>(begin.size()) != r || static_cast<int64_t>(end.size()) != r)
    return fail("begin and end need one entry per axis (rank " + std::to_string(r) + "), got " +
                std::to_string(begin.size()) + " and " + std::to_string(end.size()));
  Shape out(r);
  for (int64_t i = 0; i < r; ++i) {
    int64_t d = x.shape[i];
    int64_t b = begin[i] < 0 ? begin[i] + d : begin[i];
    int64_t e = end[i] < 0 ? end[i] + d : end[i];
    if (b < 0 || e > d || b > e)
      return fail("range [" + std::to_string(begin[i]) + ", " + std::to_string(end[i]) +
                  ") is out of bounds for axis " + std::to_string(i) + " of size " +
                  std::to_string(d));
    begin[i] = b;
    end[i] = e;
    out[i] = e - b;
  }
  return TensorType{x.dtype, out};
}

Expected<TensorType> concat(const std::vector<TensorType>& xs, int64_t axis) {
  if (xs.empty()) return fail("needs at least one tensor");
  int64_t r = rank_of(xs[0]);
  if (r == 0) return fail("cannot concatenate rank-0 tensors");
  auto a = normalize_axis(axis, r);
  if (!a) return fail(a.error());
  Shape out = xs[0].shape;
  out[*a] = 0;
  for (const auto& x : xs) {
    if (x.dtype != xs[0].dtype)
      return fail("dtypes differ: " + type_str(xs[0]) + " vs " + type_str(x));
    if (rank_of(x) != r) return fail("ranks differ: " + type_str(xs[0]) + " vs " + type_str(x));
    for (int64_t i = 0; i < r; ++i)
      if (i != *a && x.shape[i] != xs[0].shape[i])
        return fail("shapes differ outside axis " + std::to_string(*a) + ": " +
                    shape_str(xs[0].shape) + " vs " + shape_str(x.shape));
    if (out[*a] >= 0 && x.shape[*a] >= 0) {
      if (__builtin_add_overflow(out[*a], x.shape[*a], &out[*a]))
        return fail("the concatenated axis is longer than a tensor can hold");
    } else {
      out[*a] = -1;  // dynamic
    }
  }
  return TensorType{xs[0].dtype, out};
}

Expected<TensorType> gather(const TensorType& x, const TensorType& indices, int64_t axis) {
  if (!is_integer(indices.dtype))
    return fail("indices must be i32 or i64, got " + std::string(dtype_name(indices.dtype)));
  if (x.shape.empty()) return fail("cannot gather from a rank-0 tensor");
  auto a = normalize_axis(axis, rank_of(x));
  if (!a) return fail(a.error());
  Shape out(x.shape.begin(), x.shape.begin() + *a);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), x.shape.begin() + *a + 1, x.shape.end());
  return TensorType{x.dtype, out};
}

Expected<TensorType> index_update(const TensorType& x, const TensorType& index,
                                  const TensorType& value, int64_t axis) {
  if (!is_integer(index.dtype))
    return fail("the index must be i32 or i64, got " + std::string(dtype_name(index.dtype)));
  if (!index.shape.empty())
    return fail("the index must be a rank-0 tensor, got shape " + shape_str(index.shape));
  if (x.shape.empty()) return fail("cannot update an entry of a rank-0 tensor");
  auto a = normalize_axis(axis, rank_of(x));
  if (!a) return fail(a.error());
  if (value.dtype != x.dtype)
    return fail("the value's dtype " + std::string(dtype_name(value.dtype)) + " differs from x's " +
                std::string(dtype_name(x.dtype)));
  Shape entry = x.shape;
  entry.erase(entry.begin() + *a);
  bool fits = value.shape.size() == entry.size();
  for (size_t i = 0; fits && i < entry.size(); ++i)  // -1: checked when the sizes are known
    fits = entry[i] == value.shape[i] || entry[i] == -1 || value.shape[i] == -1;
  if (!fits)
    return fail("the value's shape " + shape_str(value.shape) + " is not x's entry shape " +
                shape_str(entry) + " (x " + shape_str(x.shape) + " without axis " +
                std::to_string(*a) + ")");
  return x;
}

Expected<TensorType> one_hot(const TensorType& indices, int64_t depth, DType dtype) {
  if (!is_integer(indices.dtype))
    return fail("indices must be i32 or i64, got " + std::string(dtype_name(indices.dtype)));
  if (depth < 0) return fail("depth must be >= 0, got " + std::to_string(depth));
  Shape out = indices.shape;
  out.push_back(depth);
  return TensorType{dtype, out};
}

TensorType shape(const TensorType& x) {
  return TensorType{DType::i64, {static_cast<int64_t>(x.shape.size())}};
}

Expected<TensorType> dynamic_reshape(const TensorType& x, const TensorType& shape) {
  if (!is_integer(shape.dtype) || shape.shape.size() != 1 || shape.shape[0] < 0)
    return fail("the shape must be a 1-D integer tensor of static length, got " + type_str(shape));
  return TensorType{x.dtype, Shape(static_cast<size_t>(shape.shape[0]), -1)};
}

Expected<TensorType> sum_to(const TensorType& x, const TensorType& like) {
  if (like.shape.size() > x.shape.size())
    return fail("cannot sum " + type_str(x) + " down to the larger rank of " + type_str(like));
  const size_t lead = x.shape.size() - like.shape.size();
  for (size_t i = 0; i < like.shape.size(); ++i) {
    const int64_t l = like.shape[i], d = x.shape[lead + i];
    if (l != 1 && l != -1 && d != -1 && l != d)
      return fail(shape_str(x.shape) + " is not a broadcast of " + shape_str(like.shape));
  }
  return TensorType{x.dtype, like.shape};
}

Expected<TensorType> matmul(const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype)
    return fail("dtypes differ: " + std::string(dtype_name(a.dtype)) + " vs " +
                std::string(dtype_name(b.dtype)));
  if (a.dtype == DType::boolean) return fail("boolean operands are not supported");
  if (rank_of(a) < 2 || rank_of(b) < 2)
    return fail("operands need rank >= 2 (use expand_dims for vectors)");
  int64_t k1 = a.shape.back(), k2 = b.shape[b.shape.size() - 2];
  if (k1 != k2 && k1 != -1 && k2 != -1)
    return fail("inner dimensions disagree: " + std::to_string(k1) + " vs " + std::to_string(k2));
  Shape ba(a.shape.begin(), a.shape.end() - 2), bb(b.shape.begin(), b.shape.end() - 2);
  auto batch = broadcast_shapes(ba, bb);
  if (!batch) return fail("batch " + batch.error());
  Shape out = *batch;
  out.push_back(a.shape[a.shape.size() - 2]);
  out.push_back(b.shape.back());
  return TensorType{a.dtype, out};
}

Expected<TensorType> softmax(const TensorType& x, int64_t axis) {
  auto k = check_kind(ElementwiseKind::floating, x.dtype);
  if (!k) return fail(k.error());
  if (x.shape.empty()) return fail("needs rank >= 1");
  auto a = normalize_axis(axis, rank_of(x));
  if (!a) return fail(a.error());
  return x;
}

Expected<TensorType> layer_norm(const TensorType& x, const TensorType& gamma,
                                const TensorType& beta) {
  auto k = check_kind(ElementwiseKind::floating, x.dtype);
  if (!k) return fail(k.error());
  if (x.shape.empty()) return fail("needs rank >= 1");
  if (gamma.dtype != x.dtype || beta.dtype != x.dtype)
    return fail("gamma and beta must have x's dtype " + std::string(dtype_name(x.dtype)));
  Shape want{x.shape.back()};
  if (gamma.shape != want || beta.shape != want)
    return fail("gamma and beta must have shape " + shape_str(want) + ", got " +
                shape_str(gamma.shape) + " and " + shape_str(beta.shape));
  return x;
}

Expected<TensorType> softmax_cross_entropy(const TensorType& logits, const TensorType& labels) {
  auto k = check_kind(ElementwiseKind::floating, logits.dtype);
  if (!k) return fail(k.error());
  if (!is_integer(labels.dtype))
    return fail("labels must be i32 or i64, got " + std::string(dtype_name(labels.dtype)));
  if (logits.shape.empty()) return fail("logits need rank >= 1");
  Shape batch(logits.shape.begin(), logits.shape.end() - 1);
  if (labels.shape != batch)
    return fail("labels must have shape " + shape_str(batch) + ", got " + shape_str(labels.shape));
  return TensorType{logits.dtype, batch};
}

namespace {
std::string group_problem(int64_t group_size) {
  return group_size < 1 ? "a group of " + std::to_string(group_size) + " ranks" : "";
}
}  // namespace

Expected<TensorType> all_reduce(ReduceKind kind, const TensorType& x, int64_t group_size) {
  if (std::string problem = group_problem(group_size); !problem.empty()) return fail(problem);
  if (kind == ReduceKind::mean && !is_floating(x.dtype))
    return fail("the mean of a " + std::string(dtype_name(x.dtype)) +
                " tensor: reduce with sum and divide, choosing the rounding");
  return x;
}

Expected<TensorType> all_gather(const TensorType& x, int64_t group_size) {
  if (std::string problem = group_problem(group_size); !problem.empty()) return fail(problem);
  TensorType out = x;
  if (out.shape.empty()) {
    out.shape = Shape{group_size};
  } else if (out.shape[0] >= 0) {
    if (out.shape[0] > kMaxTensorBytes / group_size)
      return fail("gathering " + std::to_string(group_size) + " ranks' " + shape_str(x.shape) +
                  " is too large");
    out.shape[0] *= group_size;
  }
  auto count = element_count(out.shape, out.dtype, /*dynamic_ok=*/true);
  if (!count) return fail(count.error());
  return out;
}

Expected<TensorType> collective_broadcast(const TensorType& x, int64_t root, int64_t group_size) {
  if (std::string problem = group_problem(group_size); !problem.empty()) return fail(problem);
  if (root < 0 || root >= group_size)
    return fail("root " + std::to_string(root) + " is not a rank of a group of " +
                std::to_string(group_size));
  return x;
}

}  // namespace kiln::rules
