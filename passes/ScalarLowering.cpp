#include "passes/ScalarLowering.h"

#include <cmath>
#include <limits>

#include "ir/KilnOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "passes/IRNumber.h"
#include "runtime/math_algorithms.h"
#include "runtime/binary_ops.h"
#include "runtime/unary_ops.h"

namespace kiln::passes {
namespace {

using mlir::Type;
using mlir::Value;

Type elementOf(Type t) { return llvm::cast<mlir::ShapedType>(t).getElementType(); }

/// Float element (or vector of them).
bool isFloat(Type t) { return llvm::isa<mlir::FloatType>(mlir::getElementTypeOrSelf(t)); }

/// `element` in the shape of `like`: itself for a scalar, a vector of as many lanes.
Type shaped(Type like, Type element) {
  if (auto v = llvm::dyn_cast<mlir::VectorType>(like)) return v.clone(element);
  return element;
}

/// The constant v of `type` (scalar, or splat over a vector's lanes).
Value constant(mlir::OpBuilder& b, mlir::Location loc, Type type, double v) {
  Type element = mlir::getElementTypeOrSelf(type);
  mlir::TypedAttr attr = isFloat(element)
                             ? mlir::TypedAttr(b.getFloatAttr(element, v))
                             : mlir::TypedAttr(b.getIntegerAttr(element, static_cast<int64_t>(v)));
  if (auto vector = llvm::dyn_cast<mlir::VectorType>(type))
    attr = mlir::SplatElementsAttr::get(vector, attr);
  return b.create<mlir::arith::ConstantOp>(loc, attr);
}

/// The integer constant v of `type` (scalar or vector), exactly (no double in between).
Value intConstant(mlir::OpBuilder& b, mlir::Location loc, Type type, int64_t v) {
  mlir::TypedAttr attr = b.getIntegerAttr(mlir::getElementTypeOrSelf(type), v);
  if (auto vector = llvm::dyn_cast<mlir::VectorType>(type))
    attr = mlir::SplatElementsAttr::get(vector, attr);
  return b.create<mlir::arith::ConstantOp>(loc, attr);
}

/// FunctionOptions::fast_math marks the module `kiln.fast_math`: then the JIT may contract
/// a*b+c across ops into one FMA (ACCURACY.md); by default every op rounds on its own, as
/// the eager kernels do.
bool fastMath(mlir::Operation* op) {
  auto module = op->getParentOfType<mlir::ModuleOp>();
  return module && module->hasAttr("kiln.fast_math");
}

/// x != 0, the rule of every cast to boolean (NaN is true).
Value nonzero(mlir::OpBuilder& b, mlir::Location loc, Value x) {
  Value zero = constant(b, loc, x.getType(), 0);
  if (isFloat(x.getType()))
    return b.create<mlir::arith::CmpFOp>(loc, mlir::arith::CmpFPredicate::UNE, x, zero);
  return b.create<mlir::arith::CmpIOp>(loc, mlir::arith::CmpIPredicate::ne, x, zero);
}

/// Float to integer saturates; NaN becomes 0 (runtime/convert.cpp).
Value saturatingToInt(mlir::OpBuilder& b, mlir::Location loc, Value x, Type to) {
  const unsigned width = mlir::getElementTypeOrSelf(to).getIntOrFloatBitWidth();
  const double lo = -std::ldexp(1.0, static_cast<int>(width) - 1);
  const double hi = std::ldexp(1.0, static_cast<int>(width) - 1) - 1;  // rounds like C++
  Type from = x.getType();
  Value raw = b.create<mlir::arith::FPToSIOp>(loc, to, x);
  Value low = b.create<mlir::arith::CmpFOp>(loc, mlir::arith::CmpFPredicate::OLE, x,
                                            constant(b, loc, from, lo));
  // hi as a From value (2^31 - 1 rounds to 2^31 in f32, as static_cast<float> does).
  Value high = b.create<mlir::arith::CmpFOp>(loc, mlir::arith::CmpFPredicate::OGE, x,
                                             constant(b, loc, from, hi));
  Value nan = b.create<mlir::arith::CmpFOp>(loc, mlir::arith::CmpFPredicate::UNO, x, x);
  const int64_t min =
      width == 32 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int64_t>::min();
  const int64_t max =
      width == 32 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max();
  Value r = b.create<mlir::arith::SelectOp>(loc, low, intConstant(b, loc, to, min), raw);
  r = b.create<mlir::arith::SelectOp>(loc, high, intConstant(b, loc, to, max), r);
  return b.create<mlir::arith::SelectOp>(loc, nan, constant(b, loc, to, 0), r);
}

/// x (a scalar or a vector) converted to element type `element`.
Value castScalar(mlir::OpBuilder& b, mlir::Location loc, Value x, Type element) {
  const Type from = mlir::getElementTypeOrSelf(x.getType());
  const Type to = shaped(x.getType(), element);
  if (from == element) return x;
  if (element.isInteger(1)) return nonzero(b, loc, x);
  if (from.isInteger(1)) {
    if (isFloat(to)) return b.create<mlir::arith::UIToFPOp>(loc, to, x);
    return b.create<mlir::arith::ExtUIOp>(loc, to, x);
  }
  if (isFloat(from) && isFloat(to)) {
    if (from.getIntOrFloatBitWidth() < element.getIntOrFloatBitWidth())
      return b.create<mlir::arith::ExtFOp>(loc, to, x);
    return b.create<mlir::arith::TruncFOp>(loc, to, x);
  }
  if (isFloat(to)) return b.create<mlir::arith::SIToFPOp>(loc, to, x);
  if (isFloat(from)) return saturatingToInt(b, loc, x, to);
  if (from.getIntOrFloatBitWidth() < element.getIntOrFloatBitWidth())
    return b.create<mlir::arith::ExtSIOp>(loc, to, x);
  return b.create<mlir::arith::TruncIOp>(loc, to, x);
}

/// f32 sin/cos as the eager kernel computes them: the vector reduction, and the C
/// library's sinf/cosf for arguments it does not cover (|x| > kTrigMax, inf, NaN) — only
/// when some lane has one, so ordinary data never leaves the polynomial. f64: the C library.
Value trigonometric(mlir::OpBuilder& b, IRNumber x, bool is_sin) {
  if (!mlir::getElementTypeOrSelf(x.type()).isF32())
    return (is_sin ? libm_sin(x) : libm_cos(x)).value();
  IRNumber reduced = is_sin ? mathalg::sin_reduced_f32(x) : mathalg::cos_reduced_f32(x);
  IRNumber need = mathalg::needs_libm_trig(x);
  Value any = need.value();
  if (llvm::isa<mlir::VectorType>(need.type()))
    any = b.create<mlir::vector::ReductionOp>(x.loc(), mlir::vector::CombiningKind::OR, any);
  auto branch = b.create<mlir::scf::IfOp>(
      x.loc(), any,
      [&](mlir::OpBuilder& then, mlir::Location loc) {
        IRNumber in(then, loc, x.value());
        IRNumber exact = is_sin ? libm_sin(in) : libm_cos(in);
        IRNumber lanes(then, loc, need.value());
        then.create<mlir::scf::YieldOp>(loc,
                                        select(lanes, exact, in.with(reduced.value())).value());
      },
      [&](mlir::OpBuilder& other, mlir::Location loc) {
        other.create<mlir::scf::YieldOp>(loc, reduced.value());
      });
  return branch.getResult(0);
}

/// The kiln op `op` is, if it is one of the op list.
std::optional<OpId> opId(mlir::Operation* op) { return find_op(op->getName().stripDialect()); }

/// The unary op's value as its definition computes it (the eager kernels' template).
IRNumber unaryValue(OpId id, IRNumber x) {
  switch (id) {
#define KILN_UNARY_VALUE(name, family) \
  case OpId::name:                     \
    return UnaryOpDef<OpId::name>::eval(x);
    KILN_UNARY_OP_LIST(KILN_UNARY_VALUE)
#undef KILN_UNARY_VALUE
    default:
      break;
  }
  llvm_unreachable("not a unary op");
}

/// The binary op's value as its definition computes it (the kernels' template).
IRNumber binaryValue(OpId id, IRNumber x, IRNumber y) {
  switch (id) {
#define KILN_BINARY_VALUE(name, family) \
  case OpId::name:                      \
    return BinaryOpDef<OpId::name>::eval(x, y);
    KILN_BINARY_OP_LIST(KILN_BINARY_VALUE)
#undef KILN_BINARY_VALUE
    default:
      break;
  }
  llvm_unreachable("not a binary op");
}

}  // namespace

bool hasScalarLowering(mlir::Operation* op) {
  if (op->getNumResults() != 1 || !llvm::isa<mlir::RankedTensorType>(op->getResult(0).getType()))
    return false;
  auto scalar = llvm::dyn_cast<ir::ScalarBodyOpInterface>(op);  // the op says (KilnOps.td)
  return scalar && scalar.hasScalarBody();
}

Value lowerToScalar(mlir::OpBuilder& b, mlir::Operation* op, mlir::ValueRange args) {
  namespace arith = mlir::arith;
  const mlir::Location loc = op->getLoc();
  const Type out = elementOf(op->getResult(0).getType());
  auto x = [&] { return args[0]; };
  auto y = [&] { return args[1]; };
  using N = IRNumber;
  return llvm::TypeSwitch<mlir::Operation*, Value>(op)
      // f32 sin and cos: the vector reduction, the C library only where a lane needs it.
      .Case([&](ir::SinOp) { return trigonometric(b, N(b, loc, x()), /*is_sin=*/true); })
      .Case([&](ir::CosOp) { return trigonometric(b, N(b, loc, x()), /*is_sin=*/false); })
      .Case([&](ir::WhereOp) {
        return b.create<arith::SelectOp>(loc, args[0], args[1], args[2]).getResult();
      })
      .Case([&](ir::CastOp) { return castScalar(b, loc, x(), out); })
      .Case([&](ir::BroadcastToOp) { return x(); })  // the loop's index maps broadcast
      .Default([&](mlir::Operation*) -> Value {
        const std::optional<OpId> id = opId(op);
        if (id && is_unary_op(*id)) return unaryValue(*id, N(b, loc, x())).value();
        if (id && is_binary_op(*id)) {
          // Under kiln.fast_math the op's float arithmetic may contract with its neighbours'.
          const bool contract = fastMath(op);
          N lhs(b, loc, x()), rhs(b, loc, y());
          return binaryValue(*id, contract ? lhs.contracting() : lhs,
                             contract ? rhs.contracting() : rhs)
              .value();
        }
        return {};
      });
}

}  // namespace kiln::passes
