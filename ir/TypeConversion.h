// kiln's vocabulary (DType, rules::TensorType) <-> builtin MLIR types.
// f32 <-> f32, f64 <-> f64, i32 <-> i32, i64 <-> i64 (signless), boolean <-> i1;
// a -1 dimension <-> ShapedType::kDynamic.
#pragma once

#include <optional>

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include "kiln/dtype.h"
#include "runtime/shape_rules.h"

namespace kiln::ir {

mlir::Type element_type(mlir::MLIRContext* context, kiln::DType dtype);
/// The DType of a kiln element type; std::nullopt for any other type.
std::optional<kiln::DType> try_dtype_of(mlir::Type element);
/// The DType of a kiln element type (f32, f64, i32, i64, i1); asserts on others.
kiln::DType dtype_of(mlir::Type element);

mlir::RankedTensorType tensor_type(mlir::MLIRContext* context, const kiln::rules::TensorType& type);
/// A ranked tensor of a kiln element type; std::nullopt for any other type.
std::optional<kiln::rules::TensorType> try_kiln_type(mlir::Type type);
/// As try_kiln_type; asserts that `type` is a ranked tensor of a kiln element type.
kiln::rules::TensorType kiln_type(mlir::Type type);

}  // namespace kiln::ir
