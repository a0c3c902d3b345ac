#include "ir/TypeConversion.h"

#include <cassert>

namespace kiln::ir {

mlir::Type element_type(mlir::MLIRContext* context, kiln::DType dtype) {
  switch (dtype) {
    case DType::f32: return mlir::Float32Type::get(context);
    case DType::f64: return mlir::Float64Type::get(context);
    case DType::i32: return mlir::IntegerType::get(context, 32);
    case DType::i64: return mlir::IntegerType::get(context, 64);
    case DType::boolean: return mlir::IntegerType::get(context, 1);
  }
  return {};
}

std::optional<kiln::DType> try_dtype_of(mlir::Type element) {
  if (element.isF32()) return DType::f32;
  if (element.isF64()) return DType::f64;
  if (auto i = mlir::dyn_cast<mlir::IntegerType>(element); i && i.isSignless()) {
    switch (i.getWidth()) {
      case 1: return DType::boolean;
      case 32: return DType::i32;
      case 64: return DType::i64;
      default: break;
    }
  }
  return std::nullopt;
}

kiln::DType dtype_of(mlir::Type element) {
  auto d = try_dtype_of(element);
  assert(d && "not a kiln element type");
  return d ? *d : DType::f32;
}

mlir::RankedTensorType tensor_type(mlir::MLIRContext* context,
                                   const kiln::rules::TensorType& type) {
  llvm::SmallVector<int64_t> dims;
  for (int64_t d : type.shape) dims.push_back(d < 0 ? mlir::ShapedType::kDynamic : d);
  return mlir::RankedTensorType::get(dims, element_type(context, type.dtype));
}

std::optional<kiln::rules::TensorType> try_kiln_type(mlir::Type type) {
  auto ranked = mlir::dyn_cast<mlir::RankedTensorType>(type);
  if (!ranked) return std::nullopt;
  auto d = try_dtype_of(ranked.getElementType());
  if (!d) return std::nullopt;
  kiln::rules::TensorType out{*d, {}};
  for (int64_t dim : ranked.getShape())
    out.shape.push_back(mlir::ShapedType::isDynamic(dim) ? -1 : dim);
  return out;
}

kiln::rules::TensorType kiln_type(mlir::Type type) {
  auto t = try_kiln_type(type);
  assert(t && "not a ranked tensor of a kiln element type");
  return t ? *t : kiln::rules::TensorType{DType::f32, {}};
}

}  // namespace kiln::ir
