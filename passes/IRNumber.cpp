#include "passes/IRNumber.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"

namespace kiln::passes {
namespace {

namespace arith = mlir::arith;
namespace math = mlir::math;
using mlir::Type;
using mlir::Value;

/// `element` in the shape of `like`: itself for a scalar, a vector of as many lanes.
Type shaped(Type like, Type element) {
  if (auto v = llvm::dyn_cast<mlir::VectorType>(like)) return v.clone(element);
  return element;
}

mlir::TypedAttr splat(Type type, mlir::TypedAttr element) {
  if (auto vector = llvm::dyn_cast<mlir::VectorType>(type))
    return mlir::SplatElementsAttr::get(vector, element);
  return element;
}

/// The integer type as wide as x's float element (or the float as wide as x's integer).
Type sameWidthInt(const IRNumber& x) {
  return x.builder().getIntegerType(mlir::getElementTypeOrSelf(x.type()).getIntOrFloatBitWidth());
}
Type sameWidthFloat(const IRNumber& x) {
  unsigned width = mlir::getElementTypeOrSelf(x.type()).getIntOrFloatBitWidth();
  return width == 64 ? Type(x.builder().getF64Type()) : Type(x.builder().getF32Type());
}

/// A call of the C library's f64 function `name`; a vector is done lane by lane. The callee
/// is declared once the kernel is whole (declareLibraryCalls): the kernel may still be
/// under construction, outside any symbol table.
/// A call of the C library's `name` on x (and y), lane by lane on vectors.
IRNumber libmCall(const IRNumber& x, llvm::StringRef name, const IRNumber* y = nullptr) {
  mlir::OpBuilder& b = x.builder();
  Type element = mlir::getElementTypeOrSelf(x.type());
  auto call = [&](Value v, Value w) -> Value {
    llvm::SmallVector<Value, 2> args{v};
    if (w) args.push_back(w);
    return b.create<mlir::func::CallOp>(x.loc(), name, mlir::TypeRange{element}, args).getResult(0);
  };
  auto vector = llvm::dyn_cast<mlir::VectorType>(x.type());
  if (!vector) return x.with(call(x.value(), y ? y->value() : Value()));
  Value out = x.value();
  for (int64_t i = 0; i < vector.getNumElements(); ++i) {
    Value lane = b.create<mlir::vector::ExtractOp>(x.loc(), x.value(), i);
    Value other = y ? b.create<mlir::vector::ExtractOp>(x.loc(), y->value(), i).getResult() : Value();
    out = b.create<mlir::vector::InsertOp>(x.loc(), call(lane, other), out, i);
  }
  return x.with(out);
}

}  // namespace

bool IRNumber::isFloat() const {
  return llvm::isa<mlir::FloatType>(mlir::getElementTypeOrSelf(type()));
}

IRNumber IRNumber::constant(double v) const {
  Type element = mlir::getElementTypeOrSelf(type());
  mlir::TypedAttr attr =
      llvm::isa<mlir::FloatType>(element)
          ? mlir::TypedAttr(b_->getFloatAttr(element, v))
          : mlir::TypedAttr(b_->getIntegerAttr(element, static_cast<int64_t>(v)));
  return with(b_->create<arith::ConstantOp>(loc(), splat(type(), attr)));
}

IRNumber IRNumber::constantInt(int64_t v) const {
  Type element = mlir::getElementTypeOrSelf(type());
  return with(b_->create<arith::ConstantOp>(loc(), splat(type(), b_->getIntegerAttr(element, v))));
}

namespace {
/// The fast-math flags of float arithmetic on a and b: contract if either allows it.
arith::FastMathFlagsAttr flags(const IRNumber& a, const IRNumber& b) {
  return arith::FastMathFlagsAttr::get(
      a.builder().getContext(), a.contracts() || b.contracts() ? arith::FastMathFlags::contract
                                                               : arith::FastMathFlags::none);
}
}  // namespace

IRNumber binary(IRBinary op, const IRNumber& a, const IRNumber& b) {
  mlir::OpBuilder& B = a.builder();
  const mlir::Location loc = a.loc();
  const Value x = a.value(), y = b.value();
  if (a.isFloat()) {
    switch (op) {
      case IRBinary::add:
        return a.with(B.create<arith::AddFOp>(loc, x, y, flags(a, b)));
      case IRBinary::sub:
        return a.with(B.create<arith::SubFOp>(loc, x, y, flags(a, b)));
      case IRBinary::mul:
        return a.with(B.create<arith::MulFOp>(loc, x, y, flags(a, b)));
      case IRBinary::div:
        return a.with(B.create<arith::DivFOp>(loc, x, y, flags(a, b)));
      default:
        break;
    }
    llvm_unreachable("bit operation on a float IRNumber");
  }
  switch (op) {
    case IRBinary::add:
      return a.with(B.create<arith::AddIOp>(loc, x, y));
    case IRBinary::sub:
      return a.with(B.create<arith::SubIOp>(loc, x, y));
    case IRBinary::mul:
      return a.with(B.create<arith::MulIOp>(loc, x, y));
    case IRBinary::div:
      return a.with(B.create<arith::DivSIOp>(loc, x, y));
    case IRBinary::shl:
      return a.with(B.create<arith::ShLIOp>(loc, x, y));
    case IRBinary::shr:
      return a.with(B.create<arith::ShRSIOp>(loc, x, y));
    case IRBinary::bit_and:
      return a.with(B.create<arith::AndIOp>(loc, x, y));
    case IRBinary::bit_or:
      return a.with(B.create<arith::OrIOp>(loc, x, y));
  }
  llvm_unreachable("unknown IRBinary");
}

IRNumber compare(IRCompare op, const IRNumber& a, const IRNumber& b) {
  mlir::OpBuilder& B = a.builder();
  if (a.isFloat()) {
    using P = arith::CmpFPredicate;
    const P p[] = {P::OLT, P::OLE, P::OGT, P::OGE, P::OEQ, P::UNE};
    return a.with(B.create<arith::CmpFOp>(a.loc(), p[static_cast<int>(op)], a.value(), b.value()));
  }
  using P = arith::CmpIPredicate;
  // Booleans are i1 with true = 1: unsigned (a signed i1 true is -1, less than false).
  const bool boolean = mlir::getElementTypeOrSelf(a.type()).isInteger(1);
  const P p[] = {boolean ? P::ult : P::slt, boolean ? P::ule : P::sle,
                 boolean ? P::ugt : P::sgt, boolean ? P::uge : P::sge,
                 P::eq,                     P::ne};
  return a.with(B.create<arith::CmpIOp>(a.loc(), p[static_cast<int>(op)], a.value(), b.value()));
}

IRNumber maximum(const IRNumber& a, const IRNumber& b) {
  mlir::OpBuilder& B = a.builder();
  if (a.isFloat())
    return a.with(B.create<arith::MaximumFOp>(a.loc(), a.value(), b.value(), flags(a, b)));
  return a.with(B.create<arith::MaxSIOp>(a.loc(), a.value(), b.value()));
}

IRNumber minimum(const IRNumber& a, const IRNumber& b) {
  mlir::OpBuilder& B = a.builder();
  if (a.isFloat())
    return a.with(B.create<arith::MinimumFOp>(a.loc(), a.value(), b.value(), flags(a, b)));
  return a.with(B.create<arith::MinSIOp>(a.loc(), a.value(), b.value()));
}

IRNumber operator-(const IRNumber& x) {
  if (x.isFloat()) return x.with(x.builder().create<arith::NegFOp>(x.loc(), x.value()));
  return x.constantInt(0) - x;
}

IRNumber operator!(const IRNumber& mask) {
  return mask.with(
      mask.builder().create<arith::XOrIOp>(mask.loc(), mask.value(), mask.constantInt(1).value()));
}

IRNumber select(const IRNumber& mask, const IRNumber& a, const IRNumber& b) {
  return a.with(a.builder().create<arith::SelectOp>(a.loc(), mask.value(), a.value(), b.value()));
}

IRNumber fma(const IRNumber& a, const IRNumber& b, const IRNumber& c) {
  return a.with(a.builder().create<math::FmaOp>(a.loc(), a.value(), b.value(), c.value()));
}

IRNumber fabs(const IRNumber& x) {
  return x.with(x.builder().create<math::AbsFOp>(x.loc(), x.value()));
}

IRNumber abs(const IRNumber& x) {
  if (x.isFloat()) return fabs(x);
  return x.with(x.builder().create<math::AbsIOp>(x.loc(), x.value()));
}

IRNumber sqrt(const IRNumber& x) {
  return x.with(x.builder().create<math::SqrtOp>(x.loc(), x.value()));
}

bool is_f32(const IRNumber& x) { return mlir::getElementTypeOrSelf(x.type()).isF32(); }

IRNumber copysign(const IRNumber& magnitude, const IRNumber& sign) {
  return magnitude.with(magnitude.builder().create<math::CopySignOp>(
      magnitude.loc(), magnitude.value(), sign.value()));
}

IRNumber bits(const IRNumber& x) {
  Type to = shaped(x.type(), sameWidthInt(x));
  return x.with(x.builder().create<arith::BitcastOp>(x.loc(), to, x.value()));
}

IRNumber from_bits(const IRNumber& i) {
  Type to = shaped(i.type(), sameWidthFloat(i));
  return i.with(i.builder().create<arith::BitcastOp>(i.loc(), to, i.value()));
}

IRNumber to_floating(const IRNumber& i) {
  Type to = shaped(i.type(), sameWidthFloat(i));
  return i.with(i.builder().create<arith::SIToFPOp>(i.loc(), to, i.value()));
}

IRNumber widen(const IRNumber& x) {
  Type to = shaped(x.type(), x.builder().getF64Type());
  return x.with(x.builder().create<arith::ExtFOp>(x.loc(), to, x.value()));
}

IRNumber narrow(const IRNumber& x) {
  Type to = shaped(x.type(), x.builder().getF32Type());
  return x.with(x.builder().create<arith::TruncFOp>(x.loc(), to, x.value()));
}

IRNumber narrow_int(const IRNumber& i) {
  Type to = shaped(i.type(), i.builder().getI32Type());
  return i.with(i.builder().create<arith::TruncIOp>(i.loc(), to, i.value()));
}

IRNumber libm_exp(const IRNumber& x) {
  return x.with(x.builder().create<math::ExpOp>(x.loc(), x.value()));
}
IRNumber libm_log(const IRNumber& x) {
  return x.with(x.builder().create<math::LogOp>(x.loc(), x.value()));
}
IRNumber libm_tanh(const IRNumber& x) {
  return x.with(x.builder().create<math::TanhOp>(x.loc(), x.value()));
}
IRNumber libm_erf(const IRNumber& x) {
  return x.with(x.builder().create<math::ErfOp>(x.loc(), x.value()));
}
IRNumber libm_erfc(const IRNumber& x) { return libmCall(x, "erfc"); }
IRNumber libm_log1p(const IRNumber& x) {
  return libmCall(x, "log1p");  // math.log1p lowers to log(1 + x), which loses tiny x
}
IRNumber libm_pow(const IRNumber& x, const IRNumber& y) {
  const bool f32 = mlir::getElementTypeOrSelf(x.type()).isF32();
  return libmCall(x, f32 ? "powf" : "pow", &y);
}

void declareLibraryCalls(mlir::Operation* table, bool libdevice) {
  mlir::OpBuilder b(table->getContext());
  mlir::Block& body = table->getRegion(0).front();
  // At the end: a module's first function stays the graph's own.
  if (!body.empty() && body.back().hasTrait<mlir::OpTrait::IsTerminator>())
    b.setInsertionPoint(&body.back());
  else
    b.setInsertionPointToEnd(&body);
  llvm::SmallVector<mlir::func::CallOp> calls;
  table->walk([&](mlir::func::CallOp call) { calls.push_back(call); });
  for (mlir::func::CallOp call : calls) {
    if (mlir::SymbolTable::lookupSymbolIn(table, call.getCalleeAttr())) continue;
    if (!libdevice) {
      b.create<mlir::func::FuncOp>(call.getLoc(), call.getCallee(), call.getCalleeType())
          .setPrivate();
      continue;
    }
    // libdevice's __nv_<name>, declared and called as convert-gpu-to-nvvm does its own.
    const std::string callee = "__nv_" + call.getCallee().str();
    if (!mlir::SymbolTable::lookupSymbolIn(table, callee)) {
      auto type = call.getCalleeType();
      b.create<mlir::LLVM::LLVMFuncOp>(
          call.getLoc(), callee,
          mlir::LLVM::LLVMFunctionType::get(type.getResult(0), type.getInputs()));
    }
    mlir::OpBuilder at(call);
    auto replacement = at.create<mlir::LLVM::CallOp>(
        call.getLoc(), call.getResultTypes(), mlir::FlatSymbolRefAttr::get(b.getContext(), callee),
        call.getOperands());
    call.replaceAllUsesWith(replacement.getResults());
    call.erase();
  }
}
IRNumber libm_sin(const IRNumber& x) {
  return x.with(x.builder().create<math::SinOp>(x.loc(), x.value()));
}
IRNumber libm_cos(const IRNumber& x) {
  return x.with(x.builder().create<math::CosOp>(x.loc(), x.value()));
}

}  // namespace kiln::passes
