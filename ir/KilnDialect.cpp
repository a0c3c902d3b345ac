// The kiln dialect: registration, constant materialization, result-type inference
// through the shared rules of runtime/shape_rules.h, and the verifiers ODS cannot say.
//
// No exception may pass through here (LLVM is built without them): the rules return
// Expected<TensorType>, and a failure becomes a diagnostic on the op's location.
#include <string>
#include <vector>

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "ir/TypeConversion.h"
#include "runtime/binary_ops.h"
#include "runtime/shape_rules.h"
#include "runtime/unary_ops.h"

using namespace mlir;

namespace kiln::ir {

#include "ir/KilnInterfaces.cpp.inc"

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/KilnOps.cpp.inc"
      >();
}

Operation* KilnDialect::materializeConstant(OpBuilder& builder, Attribute value, Type type,
                                            Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type) return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

namespace detail {
namespace {

/// An error on the op being built or verified, in MLIR's "'kiln.x' op ..." form.
LogicalResult fail(std::optional<Location> loc, StringRef op, const std::string& message) {
  return emitOptionalError(loc, "'", op, "' op ", message);
}

std::string str(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::string list_str(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

/// The kiln view of an operand's type, or an error saying it is not a kiln tensor.
FailureOr<rules::TensorType> operand(std::optional<Location> loc, StringRef op, Type t) {
  if (auto k = try_kiln_type(t)) return *k;
  (void)fail(loc, op, "expects ranked tensors of f32, f64, i32, i64 or i1, got " + str(t));
  return failure();
}

/// Appends the rule's result type, or reports its message.
LogicalResult result(MLIRContext* context, std::optional<Location> loc, StringRef op,
                     const Expected<rules::TensorType>& type, SmallVectorImpl<Type>& out) {
  if (!type) return fail(loc, op, type.error());
  out.push_back(tensor_type(context, *type));
  return success();
}

bool has_dynamic(const Shape& shape) {
  return std::find(shape.begin(), shape.end(), -1) != shape.end();
}

}  // namespace

LogicalResult inferBinary(MLIRContext* context, std::optional<Location> loc, StringRef op,
                          rules::ElementwiseKind kind, Type lhs, Type rhs,
                          SmallVectorImpl<Type>& out) {
  auto a = operand(loc, op, lhs), b = operand(loc, op, rhs);
  if (failed(a) || failed(b)) return failure();
  return result(context, loc, op, rules::binary(kind, *a, *b), out);
}

/// Whether a binary op's fused scalar body may take operands of `lhs`'s element type: ops
/// that check integer operands on the host (division by zero, negative powers) fuse only
/// for floats.
bool fusesOperands(bool checks_integers, Type lhs) {
  return !checks_integers || isa<FloatType>(getElementTypeOrSelf(lhs));
}

LogicalResult inferUnary(MLIRContext* context, std::optional<Location> loc, StringRef op,
                         rules::ElementwiseKind kind, Type x, SmallVectorImpl<Type>& out) {
  auto t = operand(loc, op, x);
  if (failed(t)) return failure();
  return result(context, loc, op, rules::unary(kind, *t), out);
}

LogicalResult inferReduce(MLIRContext* context, std::optional<Location> loc, StringRef op,
                          rules::ReduceKind kind, Type x, ArrayRef<int64_t> axes, bool keepdims,
                          SmallVectorImpl<Type>& out) {
  auto t = operand(loc, op, x);
  if (failed(t)) return failure();
  std::vector<int64_t> given(axes.begin(), axes.end());
  auto norm = rules::normalize_axes(Axes(given), static_cast<int64_t>(t->shape.size()));
  if (!norm) return fail(loc, op, norm.error());
  if (*norm != given)
    return fail(loc, op, "axes must be sorted and non-negative, got " + list_str(axes));
  return result(context, loc, op, rules::reduce(kind, *t, *norm, keepdims), out);
}

}  // namespace detail

using detail::fail;
using detail::operand;
using detail::result;

//===------------------------------------------------------------------------------------===//
// Result types of the ops that are not a family of the .td
//===------------------------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type>& out) {
  Type type = adaptor.getValue().getType();
  if (!try_kiln_type(type))
    return fail(
        loc, getOperationName(),
        "value must be a ranked tensor of f32, f64, i32, i64 or i1, got " + detail::str(type));
  out.push_back(type);
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto c = operand(loc, op, adaptor.getCond().getType());
  auto a = operand(loc, op, adaptor.getLhs().getType());
  auto b = operand(loc, op, adaptor.getRhs().getType());
  if (failed(c) || failed(a) || failed(b)) return failure();
  return result(context, loc, op, rules::where(*c, *a, *b), out);
}

/// argmax and argmin: one rule.
static LogicalResult inferArgExtreme(MLIRContext* context, std::optional<Location> loc,
                                     StringRef op, Type x_type, int64_t axis, bool keepdims,
                                     SmallVectorImpl<Type>& out) {
  auto x = operand(loc, op, x_type);
  if (failed(x)) return failure();
  if (axis < 0 && axis >= -static_cast<int64_t>(x->shape.size()))
    return fail(loc, op, "axis must be normalized (non-negative), got " + std::to_string(axis));
  return result(context, loc, op, rules::argmax(*x, axis, keepdims), out);
}

LogicalResult ArgmaxOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  return inferArgExtreme(context, loc, getOperationName(), adaptor.getX().getType(),
                         static_cast<int64_t>(adaptor.getAxis()), adaptor.getKeepdims(), out);
}

LogicalResult ArgminOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  return inferArgExtreme(context, loc, getOperationName(), adaptor.getX().getType(),
                         static_cast<int64_t>(adaptor.getAxis()), adaptor.getKeepdims(), out);
}

LogicalResult CumsumOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  const auto axis = static_cast<int64_t>(adaptor.getAxis());
  if (axis < 0)
    return fail(loc, op, "axis must be normalized (non-negative), got " + std::to_string(axis));
  return result(context, loc, op, rules::cumsum(*x, axis), out);
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  Shape shape(adaptor.getShape().begin(), adaptor.getShape().end());
  if (!detail::has_dynamic(x->shape))
    return result(context, loc, op, rules::reshape(*x, shape), out);
  // A dynamic input: the element count is unknown, so a -1 entry stays dynamic and the
  // count is checked at run time.
  int dynamic = 0;
  for (int64_t d : shape) {
    if (d < -1)
      return fail(loc, op, "invalid dimension " + std::to_string(d) + " in " + shape_str(shape));
    dynamic += d == -1;
  }
  if (dynamic > 1) return fail(loc, op, "at most one dimension may be -1, got " + shape_str(shape));
  return result(context, loc, op, rules::TensorType{x->dtype, shape}, out);
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  std::vector<int64_t> perm(adaptor.getPerm().begin(), adaptor.getPerm().end());
  return result(context, loc, op, rules::transpose(*x, perm), out);
}

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  Shape shape(adaptor.getShape().begin(), adaptor.getShape().end());
  return result(context, loc, op, rules::broadcast_to(*x, shape), out);
}

LogicalResult ExpandDimsOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  return result(context, loc, op, rules::expand_dims(*x, static_cast<int64_t>(adaptor.getAxis())),
                out);
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  std::vector<int64_t> axes(adaptor.getAxes().begin(), adaptor.getAxes().end());
  rules::TensorType t = *x;
  for (int64_t a : axes) {
    if (a < 0 || a >= static_cast<int64_t>(t.shape.size()))
      return fail(loc, op,
                  "axis " + std::to_string(a) + " is out of range for rank " +
                      std::to_string(t.shape.size()) + " (axes must be normalized)");
    if (t.shape[a] == -1) t.shape[a] = 1;  // a dynamic squeezed axis is checked at run time
  }
  return result(context, loc, op, rules::squeeze(t, Axes(axes)), out);
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  std::vector<int64_t> begin(adaptor.getBegin().begin(), adaptor.getBegin().end());
  std::vector<int64_t> end(adaptor.getEnd().begin(), adaptor.getEnd().end());
  rules::TensorType t = *x;
  for (size_t i = 0; i < begin.size() && i < end.size(); ++i) {
    if (begin[i] < 0 || end[i] < 0)
      return fail(loc, op,
                  "begin and end must be normalized (non-negative), got " +
                      detail::list_str(begin) + " and " + detail::list_str(end));
    if (i < t.shape.size() && t.shape[i] == -1) t.shape[i] = end[i];  // checked at run time
  }
  return result(context, loc, op, rules::slice(t, begin, end), out);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  std::vector<rules::TensorType> xs;
  for (Value v : adaptor.getXs()) {
    auto t = operand(loc, op, v.getType());
    if (failed(t)) return failure();
    xs.push_back(*t);
  }
  int64_t axis = static_cast<int64_t>(adaptor.getAxis());
  if (xs.empty() || xs[0].shape.empty())
    return result(context, loc, op, rules::concat(xs, axis), out);
  auto a = rules::normalize_axis(axis, static_cast<int64_t>(xs[0].shape.size()));
  if (!a) return fail(loc, op, a.error());
  // Dynamic dimensions: check with each unknown dimension taken equal to a known one
  // (0 along the axis), then put the unknowns back.
  std::vector<rules::TensorType> known = xs;
  bool axis_dynamic = false;
  for (auto& t : known)
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (t.shape[i] != -1) continue;
      if (static_cast<int64_t>(i) == *a) {
        t.shape[i] = 0;
        axis_dynamic = true;
        continue;
      }
      for (const auto& other : xs)
        if (i < other.shape.size() && other.shape[i] != -1) t.shape[i] = other.shape[i];
      if (t.shape[i] == -1) t.shape[i] = 1;
    }
  auto r = rules::concat(known, axis);
  if (!r) return fail(loc, op, r.error());
  rules::TensorType type = *r;
  if (axis_dynamic) type.shape[*a] = -1;
  for (size_t i = 0; i < type.shape.size(); ++i) {
    if (static_cast<int64_t>(i) == *a) continue;
    bool all_dynamic = true;
    for (const auto& t : xs) all_dynamic = all_dynamic && t.shape[i] == -1;
    if (all_dynamic) type.shape[i] = -1;
  }
  return result(context, loc, op, type, out);
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  auto i = operand(loc, op, adaptor.getIndices().getType());
  if (failed(x) || failed(i)) return failure();
  return result(context, loc, op, rules::gather(*x, *i, static_cast<int64_t>(adaptor.getAxis())),
                out);
}

LogicalResult IndexUpdateOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  auto i = operand(loc, op, adaptor.getIndex().getType());
  auto v = operand(loc, op, adaptor.getValue().getType());
  if (failed(x) || failed(i) || failed(v)) return failure();
  return result(context, loc, op,
                rules::index_update(*x, *i, *v, static_cast<int64_t>(adaptor.getAxis())), out);
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto i = operand(loc, op, adaptor.getIndices().getType());
  if (failed(i)) return failure();
  auto dtype = try_dtype_of(adaptor.getDtype());
  if (!dtype) return fail(loc, op, "dtype must be f32, f64, i32, i64 or i1");
  return result(context, loc, op,
                rules::one_hot(*i, static_cast<int64_t>(adaptor.getDepth()), *dtype), out);
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  return result(context, loc, op, rules::shape(*x), out);
}

LogicalResult DynamicReshapeOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                                 Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  auto shape = operand(loc, op, adaptor.getShape().getType());
  if (failed(x) || failed(shape)) return failure();
  return result(context, loc, op, rules::dynamic_reshape(*x, *shape), out);
}

LogicalResult SumToOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  auto like = operand(loc, op, adaptor.getLike().getType());
  if (failed(x) || failed(like)) return failure();
  return result(context, loc, op, rules::sum_to(*x, *like), out);
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto a = operand(loc, op, adaptor.getLhs().getType());
  auto b = operand(loc, op, adaptor.getRhs().getType());
  if (failed(a) || failed(b)) return failure();
  return result(context, loc, op, rules::matmul(*a, *b), out);
}

/// softmax and log_softmax share one rule.
static LogicalResult inferSoftmax(MLIRContext* context, std::optional<Location> loc, StringRef op,
                                  Type x_type, int64_t axis, SmallVectorImpl<Type>& out) {
  auto x = operand(loc, op, x_type);
  if (failed(x)) return failure();
  return result(context, loc, op, rules::softmax(*x, axis), out);
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type>& out) {
  return inferSoftmax(context, loc, getOperationName(), adaptor.getX().getType(),
                      static_cast<int64_t>(adaptor.getAxis()), out);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type>& out) {
  return inferSoftmax(context, loc, getOperationName(), adaptor.getX().getType(),
                      static_cast<int64_t>(adaptor.getAxis()), out);
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  auto g = operand(loc, op, adaptor.getGamma().getType());
  auto b = operand(loc, op, adaptor.getBeta().getType());
  if (failed(x) || failed(g) || failed(b)) return failure();
  rules::TensorType t = *x;
  if (!t.shape.empty() && t.shape.back() == -1 && g->shape.size() == 1)
    t.shape.back() = g->shape[0];  // a dynamic normalized axis is checked at run time
  auto r = rules::layer_norm(t, *g, *b);
  if (!r) return fail(loc, op, r.error());
  return result(context, loc, op, *x, out);
}

LogicalResult SoftmaxCrossEntropyOp::inferReturnTypes(MLIRContext* context,
                                                      std::optional<Location> loc, Adaptor adaptor,
                                                      SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto l = operand(loc, op, adaptor.getLogits().getType());
  auto y = operand(loc, op, adaptor.getLabels().getType());
  if (failed(l) || failed(y)) return failure();
  return result(context, loc, op, rules::softmax_cross_entropy(*l, *y), out);
}

static LogicalResult inferRandom(MLIRContext* context, std::optional<Location> loc, StringRef op,
                                 Type key_type, Value dims_value, ArrayRef<int64_t> shape,
                                 Type element, bool integers, SmallVectorImpl<Type>& out) {
  auto key = operand(loc, op, key_type);
  if (failed(key)) return failure();
  std::optional<rules::TensorType> dims;
  if (dims_value) {
    auto d = operand(loc, op, dims_value.getType());
    if (failed(d)) return failure();
    dims = *d;
  }
  auto dtype = try_dtype_of(element);
  if (!dtype) return fail(loc, op, "the dtype attribute is not a kiln element type");
  return result(context, loc, op,
                rules::random(*key, Shape(shape.begin(), shape.end()), *dtype, integers,
                              dims ? &*dims : nullptr),
                out);
}

LogicalResult RandomUniformOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type>& out) {
  return inferRandom(context, loc, getOperationName(), adaptor.getKey().getType(),
                     adaptor.getDims(), adaptor.getShape(), adaptor.getDtype(), false, out);
}

LogicalResult RandomNormalOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                               Adaptor adaptor, SmallVectorImpl<Type>& out) {
  return inferRandom(context, loc, getOperationName(), adaptor.getKey().getType(),
                     adaptor.getDims(), adaptor.getShape(), adaptor.getDtype(), false, out);
}

LogicalResult RandomIntOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type>& out) {
  // I64Attr reads back unsigned: the bounds are signed.
  if (static_cast<int64_t>(adaptor.getLo()) >= static_cast<int64_t>(adaptor.getHi()))
    return fail(loc, getOperationName(), "needs lo < hi");
  return inferRandom(context, loc, getOperationName(), adaptor.getKey().getType(),
                     adaptor.getDims(), adaptor.getShape(), adaptor.getDtype(), true, out);
}

//===------------------------------------------------------------------------------------===//
// Collectives
//===------------------------------------------------------------------------------------===//

LogicalResult AllReduceOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  const StringRef reduce = adaptor.getReduce();
  std::optional<rules::ReduceKind> kind;
  if (reduce == "sum") kind = rules::ReduceKind::sum;
  if (reduce == "mean") kind = rules::ReduceKind::mean;
  if (reduce == "max") kind = rules::ReduceKind::max;
  if (reduce == "min") kind = rules::ReduceKind::min;
  if (!kind) return fail(loc, op, "reduce must be sum, mean, max or min, got '" + reduce.str() + "'");
  if (auto bucket = adaptor.getBucketBytes(); bucket && *bucket < 1)
    return fail(loc, op, "bucket_bytes must be positive, got " + std::to_string(*bucket));
  return result(context, loc, op,
                rules::all_reduce(*kind, *x, static_cast<int64_t>(adaptor.getGroupSize())), out);
}

LogicalResult AllGatherOp::inferReturnTypes(MLIRContext* context, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  return result(context, loc, op,
                rules::all_gather(*x, static_cast<int64_t>(adaptor.getGroupSize())), out);
}

LogicalResult CollectiveBroadcastOp::inferReturnTypes(MLIRContext* context,
                                                      std::optional<Location> loc, Adaptor adaptor,
                                                      SmallVectorImpl<Type>& out) {
  StringRef op = getOperationName();
  auto x = operand(loc, op, adaptor.getX().getType());
  if (failed(x)) return failure();
  return result(context, loc, op,
                rules::collective_broadcast(*x, static_cast<int64_t>(adaptor.getRoot()),
                                            static_cast<int64_t>(adaptor.getGroupSize())),
                out);
}

//===------------------------------------------------------------------------------------===//
// Cast
//===------------------------------------------------------------------------------------===//

void CastOp::build(OpBuilder& builder, OperationState& state, Value x, kiln::DType dtype) {
  auto type = cast<RankedTensorType>(x.getType());
  build(builder, state, type.clone(element_type(builder.getContext(), dtype)), x);
}

LogicalResult CastOp::verify() {
  auto from = cast<RankedTensorType>(getX().getType());
  auto to = cast<RankedTensorType>(getResult().getType());
  if (from.getShape() != to.getShape())
    return emitOpError("result shape must equal the operand's: ") << from << " vs " << to;
  return success();
}

//===------------------------------------------------------------------------------------===//
// Structured control flow
//===------------------------------------------------------------------------------------===//

namespace {

/// The kiln.yield ending `region`'s only block, or an error on `op`.
FailureOr<YieldOp> yieldOf(Operation* op, Region& region, StringRef name) {
  Block& block = region.front();
  auto y = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!y) return op->emitOpError() << "the " << name << " region must end with kiln.yield";
  return y;
}

LogicalResult sameTypes(Operation* op, TypeRange got, TypeRange want, StringRef what) {
  if (got == want) return success();
  auto diag = op->emitOpError() << what << " (";
  llvm::interleaveComma(got, diag);
  diag << ") must have the types (";
  llvm::interleaveComma(want, diag);
  return diag << ")";
}

}  // namespace

LogicalResult CondOp::verifyRegions() {
  auto then_yield = yieldOf(*this, getThenRegion(), "then");
  auto else_yield = yieldOf(*this, getElseRegion(), "else");
  if (failed(then_yield) || failed(else_yield)) return failure();
  if (getThenRegion().getNumArguments() || getElseRegion().getNumArguments())
    return emitOpError("the then and else regions take no arguments");
  TypeRange results = getResultTypes();
  if (failed(sameTypes(*this, then_yield->getValues().getTypes(), results,
                       "the values yielded by the then region")) ||
      failed(sameTypes(*this, else_yield->getValues().getTypes(), results,
                       "the values yielded by the else region")))
    return failure();
  return success();
}

LogicalResult FusionOp::verifyRegions() {
  auto yield = yieldOf(*this, getBody(), "body");
  if (failed(yield)) return failure();
  if (failed(sameTypes(*this, getBody().getArgumentTypes(), getInputs().getTypes(),
                       "the body's arguments")) ||
      failed(sameTypes(*this, yield->getValues().getTypes(), getResultTypes(),
                       "the values yielded by the body")))
    return failure();
  return success();
}

LogicalResult WhileLoopOp::verifyRegions() {
  TypeRange carried = getInit().getTypes();
  if (failed(sameTypes(*this, getResultTypes(), carried, "the results")) ||
      failed(sameTypes(*this, getCond().getArgumentTypes(), carried, "the cond arguments")) ||
      failed(sameTypes(*this, getBody().getArgumentTypes(), carried, "the body arguments")))
    return failure();
  auto cond_yield = yieldOf(*this, getCond(), "cond");
  auto body_yield = yieldOf(*this, getBody(), "body");
  if (failed(cond_yield) || failed(body_yield)) return failure();
  auto pred = RankedTensorType::get({}, IntegerType::get(getContext(), 1));
  if (failed(sameTypes(*this, cond_yield->getValues().getTypes(), TypeRange{pred},
                       "the value yielded by the cond region")) ||
      failed(sameTypes(*this, body_yield->getValues().getTypes(), carried,
                       "the values yielded by the body region")))
    return failure();
  return success();
}

LogicalResult ForRangeOp::verifyRegions() {
  TypeRange carried = getInit().getTypes();
  if (failed(sameTypes(*this, getResultTypes(), carried, "the results"))) return failure();
  SmallVector<Type> args{RankedTensorType::get({}, IntegerType::get(getContext(), 64))};
  args.append(carried.begin(), carried.end());
  if (failed(sameTypes(*this, getBody().getArgumentTypes(), args,
                       "the body arguments (the index, then the carried values)")))
    return failure();
  auto body_yield = yieldOf(*this, getBody(), "body");
  if (failed(body_yield)) return failure();
  return sameTypes(*this, body_yield->getValues().getTypes(), carried,
                   "the values yielded by the body region");
}

}  // namespace kiln::ir

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#include "ir/KilnDialect.cpp.inc"
#pragma GCC diagnostic pop

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#define GET_OP_CLASSES
#include "ir/KilnOps.cpp.inc"
#pragma GCC diagnostic pop
