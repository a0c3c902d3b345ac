#include "passes/FusionQueries.h"

#include "ir/TypeConversion.h"

namespace kiln::passes {

bool isReduction(mlir::Operation* op) { return llvm::isa<ir::ReductionOpInterface>(op); }

int64_t opCost(mlir::Operation* op) {
  auto scalar = llvm::dyn_cast<ir::ScalarBodyOpInterface>(op);
  return scalar ? scalar.getFusionCost() : 1;
}

BodyCost bodyCost(ir::FusionOp fusion) {
  BodyCost cost;
  llvm::DenseMap<mlir::Value, int64_t> ready;  // a value's critical path
  for (mlir::Operation& op : fusion.getBody().front().without_terminator()) {
    int64_t start = 0;
    for (mlir::Value v : op.getOperands()) start = std::max(start, ready.lookup(v));
    const int64_t c = opCost(&op);
    cost.total += c;
    for (mlir::Value r : op.getResults()) ready[r] = start + c;
    cost.critical_path = std::max(cost.critical_path, start + c);
  }
  return cost;
}

std::vector<int64_t> shapeOf(mlir::Type type) {
  auto s = llvm::cast<mlir::ShapedType>(type).getShape();
  return {s.begin(), s.end()};
}

std::vector<int64_t> rowSpace(ir::FusionOp fusion) {
  if (fusion.getKind() != "rows") return {};
  for (mlir::Operation& op : fusion.getBody().front())
    if (isReduction(&op)) return shapeOf(op.getOperand(0).getType());
  return {};
}

mlir::Operation* outputProduct(ir::FusionOp fusion) {
  if (fusion.getKind() != "output") return nullptr;
  for (mlir::Operation& op : fusion.getBody().front())
    if (llvm::isa<ir::MatmulOp>(op)) return &op;
  return nullptr;
}

std::optional<BiasEpilogue> biasEpilogue(ir::FusionOp fusion) {
  mlir::Operation* product = outputProduct(fusion);
  if (product == nullptr) return std::nullopt;
  mlir::Block& body = fusion.getBody().front();
  auto yield = llvm::cast<ir::YieldOp>(body.getTerminator());
  llvm::SmallVector<mlir::Operation*> ops;
  for (mlir::Operation& op : body)
    if (&op != product && &op != yield.getOperation()) ops.push_back(&op);
  if (yield.getValues().size() != 1 || ops.empty() || ops.size() > 2) return std::nullopt;
  auto add = llvm::dyn_cast<ir::AddOp>(ops[0]);
  if (!add) return std::nullopt;
  const mlir::Value p = product->getResult(0);
  const mlir::Value other = add.getLhs() == p   ? add.getRhs()
                            : add.getRhs() == p ? add.getLhs()
                                                : mlir::Value();
  auto arg = llvm::dyn_cast_or_null<mlir::BlockArgument>(other);
  if (!arg || arg.getOwner() != &body) return std::nullopt;
  const auto product_type = ir::kiln_type(p.getType());
  const auto bias_type = ir::kiln_type(other.getType());
  const int64_t N = product_type.shape[1];
  if (bias_type.dtype != product_type.dtype ||
      (bias_type.shape != Shape{N} && bias_type.shape != Shape{1, N}))
    return std::nullopt;
  bool relu = false;
  mlir::Value last = add.getResult();
  if (ops.size() == 2) {
    auto r = llvm::dyn_cast<ir::ReluOp>(ops[1]);
    if (!r || r.getX() != last) return std::nullopt;
    relu = true;
    last = r.getResult();
  }
  if (yield.getValues()[0] != last || ir::kiln_type(last.getType()) != product_type)
    return std::nullopt;
  return BiasEpilogue{arg.getArgNumber(), relu};
}

llvm::SmallVector<mlir::Value> kernelInputs(ir::FusionOp fusion) {
  mlir::Block& body = fusion.getBody().front();
  llvm::SmallVector<mlir::Value> values(body.getArguments().begin(), body.getArguments().end());
  if (mlir::Operation* product = outputProduct(fusion)) {
    values.erase(values.begin(), values.begin() + 2);
    values.insert(values.begin(), product->getResult(0));
  }
  return values;
}

bool gemmOperand(mlir::Value v) {
  auto t = llvm::dyn_cast<mlir::RankedTensorType>(v.getType());
  return t && t.getRank() == 2 && t.hasStaticShape() &&
         (t.getElementType().isF32() || t.getElementType().isF64());
}

bool hasDynamicShape(ir::FusionOp fusion) {
  return llvm::any_of(fusion.getResultTypes(), [](mlir::Type t) {
    return !llvm::cast<mlir::ShapedType>(t).hasStaticShape();
  });
}

KernelLayout kernelLayout(ir::FusionOp fusion) {
  std::vector<std::vector<int64_t>> inputs;
  for (mlir::Value v : kernelInputs(fusion)) inputs.push_back(shapeOf(v.getType()));
  KernelLayout k;
  if (fusion.getKind() == "rows") {
    const std::vector<int64_t> space = rowSpace(fusion);
    k.space = rowShape(space, space);
    for (const auto& s : inputs) k.inputs.push_back(rowShape(space, s));
    for (mlir::Type t : fusion.getResultTypes()) k.outputs.push_back(rowShape(space, shapeOf(t)));
    return k;
  }
  FusionLayout loop = collapseFusion(shapeOf(fusion.getResult(0).getType()), inputs);
  k.space = loop.shape;
  k.inputs = std::move(loop.inputs);
  k.outputs.assign(fusion.getNumResults(), k.space);
  return k;
}

}  // namespace kiln::passes
