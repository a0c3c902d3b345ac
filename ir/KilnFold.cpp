// Folders of the kiln dialect: constant operands fold to constants (through the
// dialect's constant materializer), and algebraic identities fold to an operand.
// Canonicalize runs these; there are no separate rewrite patterns.
//
// Constant folding covers equal shapes and splats (no broadcasting of non-splat
// constants) and results of at most kMaxFoldElements elements unless splat, so that
// folding never bloats the IR. Float results are IEEE-exact (what the eager kernels
// compute for these ops); ops whose eager kernel approximates (exp, tanh, ...) and pow
// are not folded.
#include <cmath>
#include <optional>

#include "llvm/ADT/APSInt.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include "ir/KilnOps.h"

using namespace mlir;
using llvm::APFloat;
using llvm::APInt;

namespace kiln::ir {
namespace {

constexpr int64_t kMaxFoldElements = 1 << 16;

DenseElementsAttr dense(Attribute a) { return dyn_cast_or_null<DenseElementsAttr>(a); }

/// A static-shaped result that `a` can be read at every index of: a splat, or the
/// same shape.
bool fits(DenseElementsAttr a, RankedTensorType type) {
  return a && type && type.hasStaticShape() &&
         (a.isSplat() || a.getType().getShape() == type.getShape());
}

template <class T>
SmallVector<T> values(DenseElementsAttr a, int64_t n) {
  if (a.isSplat()) return SmallVector<T>(n, a.getSplatValue<T>());
  auto range = a.getValues<T>();
  return SmallVector<T>(range.begin(), range.end());
}

/// result[i] = fn(lhs[i], rhs[i]) over In (APFloat or APInt) into Out; no fold when fn
/// returns nullopt for any element.
template <class In, class Out, class Fn>
Attribute map2(Attribute lhs, Attribute rhs, Type result_type, Fn fn) {
  auto a = dense(lhs), b = dense(rhs);
  auto type = dyn_cast<RankedTensorType>(result_type);
  if (!fits(a, type) || !fits(b, type)) return {};
  if (a.isSplat() && b.isSplat()) {
    std::optional<Out> r = fn(a.getSplatValue<In>(), b.getSplatValue<In>());
    if (!r) return {};
    return DenseElementsAttr::get(type, ArrayRef<Out>(*r));
  }
  int64_t n = type.getNumElements();
  if (n > kMaxFoldElements) return {};
  SmallVector<In> av = values<In>(a, n), bv = values<In>(b, n);
  SmallVector<Out> out;
  out.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    std::optional<Out> r = fn(av[i], bv[i]);
    if (!r) return {};
    out.push_back(*r);
  }
  return DenseElementsAttr::get(type, out);
}

template <class In, class Out, class Fn>
Attribute map1(Attribute x, Type result_type, Fn fn) {
  auto a = dense(x);
  auto type = dyn_cast<RankedTensorType>(result_type);
  if (!fits(a, type)) return {};
  if (a.isSplat()) {
    std::optional<Out> r = fn(a.getSplatValue<In>());
    if (!r) return {};
    return DenseElementsAttr::get(type, ArrayRef<Out>(*r));
  }
  int64_t n = type.getNumElements();
  if (n > kMaxFoldElements) return {};
  SmallVector<Out> out;
  out.reserve(n);
  for (const In& v : a.getValues<In>()) {
    std::optional<Out> r = fn(v);
    if (!r) return {};
    out.push_back(*r);
  }
  return DenseElementsAttr::get(type, out);
}

bool is_float(Attribute a) {
  auto d = dense(a);
  return d && isa<FloatType>(d.getElementType());
}

/// Arithmetic on floats (ff) or integers (fi), chosen by the operands' element type.
template <class FF, class FI>
Attribute arith2(Attribute lhs, Attribute rhs, Type result_type, FF ff, FI fi) {
  if (!dense(lhs) || !dense(rhs)) return {};
  if (is_float(lhs))
    return map2<APFloat, APFloat>(lhs, rhs, result_type,
                                  [&](const APFloat& a, const APFloat& b) -> std::optional<APFloat> {
                                    return ff(a, b);
                                  });
  return map2<APInt, APInt>(lhs, rhs, result_type, fi);
}

/// A comparison into i1: on floats by APFloat::compare, on integers signed (booleans
/// unsigned).
template <class Pred>
Attribute compare2(Attribute lhs, Attribute rhs, Type result_type, Pred pred) {
  if (!dense(lhs) || !dense(rhs)) return {};
  if (is_float(lhs))
    return map2<APFloat, APInt>(lhs, rhs, result_type,
                                [&](const APFloat& a, const APFloat& b) -> std::optional<APInt> {
                                  APFloat::cmpResult c = a.compare(b);
                                  int order = c == APFloat::cmpLessThan      ? -1
                                              : c == APFloat::cmpGreaterThan ? 1
                                              : c == APFloat::cmpEqual       ? 0
                                                                             : 2;  // unordered
                                  return APInt(1, pred(order));
                                });
  return map2<APInt, APInt>(lhs, rhs, result_type,
                            [&](const APInt& a, const APInt& b) -> std::optional<APInt> {
                              bool boolean = a.getBitWidth() == 1;
                              int order = a == b ? 0
                                          : (boolean ? a.ult(b) : a.slt(b)) ? -1
                                                                            : 1;
                              return APInt(1, pred(order));
                            });
}

/// A splat constant operand whose every element is `pred`.
template <class PF, class PI>
bool splat_is(Attribute a, PF pf, PI pi) {
  auto d = dense(a);
  if (!d || !d.isSplat()) return false;
  if (isa<FloatType>(d.getElementType())) return pf(d.getSplatValue<APFloat>());
  return pi(d.getSplatValue<APInt>());
}

bool is_int_zero(const APInt& v) { return v.isZero(); }
bool is_int_one(const APInt& v) { return v.isOne(); }
bool is_float_one(const APFloat& v) { return v.isExactlyValue(1.0); }

/// `x` when the result has x's type (the identity does not broadcast), else null.
OpFoldResult same_type(Value x, Type result_type) {
  return x.getType() == result_type ? OpFoldResult(x) : OpFoldResult();
}

}  // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===------------------------------------------------------------------------------------===//
// Binary
//===------------------------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + 0 (integers) and x + -0.0 (floats: x + +0.0 turns -0.0 into +0.0).
  auto zero = [](Attribute a) {
    return splat_is(a, [](const APFloat& v) { return v.isNegZero(); }, is_int_zero);
  };
  if (zero(adaptor.getRhs()))
    if (auto r = same_type(getLhs(), getType())) return r;
  if (zero(adaptor.getLhs()))
    if (auto r = same_type(getRhs(), getType())) return r;
  return arith2(adaptor.getLhs(), adaptor.getRhs(), getType(),
                [](const APFloat& a, const APFloat& b) { return a + b; },
                [](const APInt& a, const APInt& b) -> std::optional<APInt> { return a + b; });
}

OpFoldResult SubtractOp::fold(FoldAdaptor adaptor) {
  if (splat_is(adaptor.getRhs(), [](const APFloat& v) { return v.isPosZero(); }, is_int_zero))
    if (auto r = same_type(getLhs(), getType())) return r;
  return arith2(adaptor.getLhs(), adaptor.getRhs(), getType(),
                [](const APFloat& a, const APFloat& b) { return a - b; },
                [](const APInt& a, const APInt& b) -> std::optional<APInt> { return a - b; });
}

OpFoldResult MultiplyOp::fold(FoldAdaptor adaptor) {
  if (splat_is(adaptor.getRhs(), is_float_one, is_int_one))
    if (auto r = same_type(getLhs(), getType())) return r;
  if (splat_is(adaptor.getLhs(), is_float_one, is_int_one))
    if (auto r = same_type(getRhs(), getType())) return r;
  return arith2(adaptor.getLhs(), adaptor.getRhs(), getType(),
                [](const APFloat& a, const APFloat& b) { return a * b; },
                [](const APInt& a, const APInt& b) -> std::optional<APInt> { return a * b; });
}

OpFoldResult DivideOp::fold(FoldAdaptor adaptor) {
  if (splat_is(adaptor.getRhs(), is_float_one, is_int_one))
    if (auto r = same_type(getLhs(), getType())) return r;
  return arith2(adaptor.getLhs(), adaptor.getRhs(), getType(),
                [](const APFloat& a, const APFloat& b) { return a / b; },
                [](const APInt& a, const APInt& b) -> std::optional<APInt> {
                  // Division by zero throws at run time and INT_MIN / -1 overflows: keep them.
                  if (b.isZero() || (a.isMinSignedValue() && b.isAllOnes())) return std::nullopt;
                  return a.sdiv(b);  // truncates toward zero, as C++ does
                });
}

OpFoldResult MaximumOp::fold(FoldAdaptor adaptor) {
  return arith2(adaptor.getLhs(), adaptor.getRhs(), getType(),
                [](const APFloat& a, const APFloat& b) { return llvm::maximum(a, b); },
                [](const APInt& a, const APInt& b) -> std::optional<APInt> {
                  return a.sge(b) ? a : b;
                });
}

OpFoldResult MinimumOp::fold(FoldAdaptor adaptor) {
  return arith2(adaptor.getLhs(), adaptor.getRhs(), getType(),
                [](const APFloat& a, const APFloat& b) { return llvm::minimum(a, b); },
                [](const APInt& a, const APInt& b) -> std::optional<APInt> {
                  return a.sle(b) ? a : b;
                });
}

// order: -1 less, 0 equal, 1 greater, 2 unordered (a NaN operand).
OpFoldResult EqualOp::fold(FoldAdaptor a) {
  return compare2(a.getLhs(), a.getRhs(), getType(), [](int o) { return o == 0; });
}
OpFoldResult NotEqualOp::fold(FoldAdaptor a) {
  return compare2(a.getLhs(), a.getRhs(), getType(), [](int o) { return o != 0; });
}
OpFoldResult LessOp::fold(FoldAdaptor a) {
  return compare2(a.getLhs(), a.getRhs(), getType(), [](int o) { return o == -1; });
}
OpFoldResult LessEqualOp::fold(FoldAdaptor a) {
  return compare2(a.getLhs(), a.getRhs(), getType(), [](int o) { return o == -1 || o == 0; });
}
OpFoldResult GreaterOp::fold(FoldAdaptor a) {
  return compare2(a.getLhs(), a.getRhs(), getType(), [](int o) { return o == 1; });
}
OpFoldResult GreaterEqualOp::fold(FoldAdaptor a) {
  return compare2(a.getLhs(), a.getRhs(), getType(), [](int o) { return o == 1 || o == 0; });
}

OpFoldResult LogicalAndOp::fold(FoldAdaptor a) {
  return map2<APInt, APInt>(a.getLhs(), a.getRhs(), getType(),
                            [](const APInt& x, const APInt& y) -> std::optional<APInt> { return x & y; });
}
OpFoldResult LogicalOrOp::fold(FoldAdaptor a) {
  return map2<APInt, APInt>(a.getLhs(), a.getRhs(), getType(),
                            [](const APInt& x, const APInt& y) -> std::optional<APInt> { return x | y; });
}

//===------------------------------------------------------------------------------------===//
// Unary
//===------------------------------------------------------------------------------------===//

OpFoldResult NegativeOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getX().getDefiningOp<NegativeOp>()) return inner.getX();  // -(-x) = x
  if (is_float(adaptor.getX()))
    return map1<APFloat, APFloat>(adaptor.getX(), getType(),
                                  [](const APFloat& v) -> std::optional<APFloat> { return llvm::neg(v); });
  return map1<APInt, APInt>(adaptor.getX(), getType(),
                            [](const APInt& v) -> std::optional<APInt> { return -v; });
}

OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  if (is_float(adaptor.getX()))
    return map1<APFloat, APFloat>(adaptor.getX(), getType(),
                                  [](const APFloat& v) -> std::optional<APFloat> { return llvm::abs(v); });
  return map1<APInt, APInt>(adaptor.getX(), getType(),
                            [](const APInt& v) -> std::optional<APInt> { return v.abs(); });
}

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  // sqrt is correctly rounded in IEEE arithmetic, so the host's std::sqrt matches.
  return map1<APFloat, APFloat>(adaptor.getX(), getType(), [](const APFloat& v) -> std::optional<APFloat> {
    if (&v.getSemantics() == &APFloat::IEEEsingle())
      return APFloat(std::sqrt(v.convertToFloat()));
    return APFloat(std::sqrt(v.convertToDouble()));
  });
}

OpFoldResult LogicalNotOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getX().getDefiningOp<LogicalNotOp>()) return inner.getX();
  return map1<APInt, APInt>(adaptor.getX(), getType(),
                            [](const APInt& v) -> std::optional<APInt> { return ~v; });
}


//===------------------------------------------------------------------------------------===//
// Cast and shape
//===------------------------------------------------------------------------------------===//

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getX().getType() == getType()) return getX();
  auto to = cast<RankedTensorType>(getType());
  Type to_element = to.getElementType();
  auto to_float = dyn_cast<FloatType>(to_element);
  unsigned to_width = to_element.getIntOrFloatBitWidth();
  if (is_float(adaptor.getX())) {
    if (to_float)
      return map1<APFloat, APFloat>(adaptor.getX(), to, [&](APFloat v) -> std::optional<APFloat> {
        bool loses = false;
        v.convert(to_float.getFloatSemantics(), APFloat::rmNearestTiesToEven, &loses);
        return v;
      });
    return map1<APFloat, APInt>(adaptor.getX(), to, [&](const APFloat& v) -> std::optional<APInt> {
      if (to_width == 1) return APInt(1, !v.isZero());
      llvm::APSInt r(to_width, /*isUnsigned=*/false);
      bool exact = false;
      if (v.convertToInteger(r, APFloat::rmTowardZero, &exact) & APFloat::opInvalidOp)
        return std::nullopt;  // NaN or out of range: undefined, leave it to run time
      return APInt(r);
    });
  }
  if (!dense(adaptor.getX())) return {};
  if (to_float)
    return map1<APInt, APFloat>(adaptor.getX(), to, [&](const APInt& v) -> std::optional<APFloat> {
      APFloat f(to_float.getFloatSemantics());
      f.convertFromAPInt(v, /*IsSigned=*/v.getBitWidth() != 1, APFloat::rmNearestTiesToEven);
      return f;
    });
  return map1<APInt, APInt>(adaptor.getX(), to, [&](const APInt& v) -> std::optional<APInt> {
    if (to_width == 1) return APInt(1, !v.isZero());
    return v.getBitWidth() == 1 ? v.zext(to_width) : v.sextOrTrunc(to_width);
  });
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getX().getType() == getType()) return getX();
  if (auto inner = getX().getDefiningOp<ReshapeOp>()) {
    // reshape(reshape(x)) = reshape(x)
    if (inner.getX().getType() == getType()) return inner.getX();
    getXMutable().assign(inner.getX());
    return getResult();
  }
  auto type = cast<RankedTensorType>(getType());
  if (auto d = dense(adaptor.getX()); d && type.hasStaticShape()) return d.reshape(type);
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (identity && getX().getType() == getType()) return getX();
  if (auto inner = getX().getDefiningOp<TransposeOp>()) {
    // transpose(transpose(x, p1), p2) = transpose(x, p1[p2[i]])
    ArrayRef<int64_t> first = inner.getPerm();
    SmallVector<int64_t> composed;
    bool composed_identity = true;
    for (size_t i = 0; i < perm.size(); ++i) {
      composed.push_back(first[perm[i]]);
      composed_identity = composed_identity && composed.back() == static_cast<int64_t>(i);
    }
    if (composed_identity) return inner.getX();
    getXMutable().assign(inner.getX());
    setPerm(composed);
    return getResult();
  }
  auto type = cast<RankedTensorType>(getType());
  if (auto d = dense(adaptor.getX()); d && d.isSplat() && type.hasStaticShape())
    return d.resizeSplat(type);
  return {};
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getX().getType() == getType()) return getX();
  auto type = cast<RankedTensorType>(getType());
  if (auto d = dense(adaptor.getX()); d && d.isSplat() && type.hasStaticShape())
    return d.resizeSplat(type);
  return {};
}

//===------------------------------------------------------------------------------------===//
// Sizes
//===------------------------------------------------------------------------------------===//

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto x = llvm::cast<mlir::RankedTensorType>(getX().getType());
  if (!x.hasStaticShape()) return {};  // known only at run time
  auto type = llvm::cast<mlir::RankedTensorType>(getType());
  return mlir::DenseElementsAttr::get(type, x.getShape());
}

}  // namespace kiln::ir
