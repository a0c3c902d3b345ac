// kiln-decompose-composites: softmax, log_softmax and layer_norm over the last axis as
// reductions and elementwise ops (for kiln-fuse-rows).
#include <cmath>

#include "ir/KilnDialect.h"
#include "ir/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"

namespace kiln::passes {

#define GEN_PASS_DEF_DECOMPOSECOMPOSITES
#include "passes/Passes.h.inc"

namespace {

using mlir::Value;

bool lastAxisFloat(mlir::Value x, int64_t axis) {
  auto t = llvm::cast<mlir::RankedTensorType>(x.getType());
  return t.hasStaticShape() && t.getRank() >= 1 && axis == t.getRank() - 1 &&
         llvm::isa<mlir::FloatType>(t.getElementType());
}

struct Builder {
  mlir::OpBuilder& b;
  mlir::Location loc;
  int64_t axis;
  template <class Op>
  Value reduce(Value x) {
    return b.create<Op>(loc, x, b.getDenseI64ArrayAttr({axis}), b.getBoolAttr(true));
  }
  template <class Op>
  Value binary(Value x, Value y) {
    return b.create<Op>(loc, x, y);
  }
  template <class Op>
  Value unary(Value x) {
    return b.create<Op>(loc, x);
  }
  /// The row maximum, or 0 where it is not finite (as the eager kernel shifts), so a row
  /// holding +inf gives NaN only where inf - inf does.
  Value shift(Value x) {
    Value m = reduce<ir::MaxOp>(x);
    Value finite = binary<ir::LessOp>(unary<ir::AbsOp>(m), scalar(m, INFINITY));
    return b.create<ir::WhereOp>(loc, finite, m, scalar(m, 0.0));
  }
  Value scalar(Value like, double v) {
    auto element = llvm::cast<mlir::ShapedType>(like.getType()).getElementType();
    auto type = mlir::RankedTensorType::get({}, element);
    return b.create<ir::ConstantOp>(loc,
                                    mlir::DenseElementsAttr::get(type, b.getFloatAttr(element, v)));
  }
};

struct DecomposeComposites : impl::DecomposeCompositesBase<DecomposeComposites> {
  void runOnOperation() override {
    llvm::SmallVector<mlir::Operation*> work;
    getOperation()->walk([&](mlir::Operation* op) {
      if (llvm::isa<ir::SoftmaxOp, ir::LogSoftmaxOp, ir::LayerNormOp>(op)) work.push_back(op);
    });
    for (mlir::Operation* op : work) {
      mlir::OpBuilder b(op);
      Value result;
      if (auto soft = llvm::dyn_cast<ir::SoftmaxOp>(op)) {
        const auto axis = static_cast<int64_t>(soft.getAxis());
        if (!lastAxisFloat(soft.getX(), axis)) continue;
        Builder k{b, op->getLoc(), axis};
        Value shifted = k.binary<ir::SubtractOp>(soft.getX(), k.shift(soft.getX()));
        Value e = k.unary<ir::ExpOp>(shifted);
        result = k.binary<ir::DivideOp>(e, k.reduce<ir::SumOp>(e));
      } else if (auto logsoft = llvm::dyn_cast<ir::LogSoftmaxOp>(op)) {
        const auto axis = static_cast<int64_t>(logsoft.getAxis());
        if (!lastAxisFloat(logsoft.getX(), axis)) continue;
        Builder k{b, op->getLoc(), axis};
        Value shifted = k.binary<ir::SubtractOp>(logsoft.getX(), k.shift(logsoft.getX()));
        Value total = k.reduce<ir::SumOp>(k.unary<ir::ExpOp>(shifted));
        result = k.binary<ir::SubtractOp>(shifted, k.unary<ir::LogOp>(total));
      } else {
        auto n = llvm::cast<ir::LayerNormOp>(op);
        auto rank = llvm::cast<mlir::ShapedType>(n.getX().getType()).getRank();
        if (!lastAxisFloat(n.getX(), rank - 1)) continue;
        Builder k{b, op->getLoc(), rank - 1};
        // Centered two-pass variance, as the eager kernel computes it.
        Value centered = k.binary<ir::SubtractOp>(n.getX(), k.reduce<ir::MeanOp>(n.getX()));
        Value var = k.reduce<ir::MeanOp>(k.binary<ir::MultiplyOp>(centered, centered));
        Value rstd = k.unary<ir::RsqrtOp>(
            k.binary<ir::AddOp>(var, k.scalar(var, n.getEps().convertToDouble())));
        Value scaled =
            k.binary<ir::MultiplyOp>(k.binary<ir::MultiplyOp>(centered, rstd), n.getGamma());
        result = k.binary<ir::AddOp>(scaled, n.getBeta());
      }
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
    }
  }
};

}  // namespace
}  // namespace kiln::passes
