// The `kiln` dialect: tensors are builtin ranked tensors of f32, f64, i32, i64 or i1
// (kiln's boolean); dimensions may be dynamic. See ir/README.md.
#ifndef KILN_IR_DIALECT_TD
#define KILN_IR_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln::ir";
  let summary = "The ops a traced kiln function records";
  let description = [{
    One op per entry of runtime/op_list.h (the factories become `kiln.constant`).
    Result types are inferred by the shared shape/dtype rules of runtime/shape_rules.h.
    Everything is pure except `kiln.print` and the variable ops, which read or write
    the one resource `KilnStateResource` and so stay in program order.
  }];
  let hasConstantMaterializer = 1;
  let dependentDialects = [];
}

/// The element types kiln tensors hold.
def Kiln_Element : AnyTypeOf<[F32, F64, I32, I64, I1], "kiln element type (f32, f64, i32, i64, i1)">;
def Kiln_Tensor : RankedTensorOf<[F32, F64, I32, I64, I1]>;
/// A rank-0 tensor<i1>: a predicate.
def Kiln_Pred : 0DTensorOf<[I1]>;
/// A rank-0 tensor<i64>: a trip count or an induction value.
def Kiln_Index : 0DTensorOf<[I64]>;

#endif  // KILN_IR_DIALECT_TD
