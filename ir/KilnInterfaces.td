// What passes ask a kiln op instead of keeping lists of op types (DESIGN.md, "one op,
// declared once"): the op families of KilnOps.td attach these.
#ifndef KILN_IR_INTERFACES_TD
#define KILN_IR_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kiln_ScalarBodyOpInterface : OpInterface<"ScalarBodyOpInterface"> {
  let cppNamespace = "::kiln::ir";
  let description = [{
    An op a fused kernel computes element by element: passes/ScalarLowering.cpp builds its
    body on one element (or a vector of them), so the fusion passes may put it in a
    kiln.fusion.
  }];
  let methods = [
    InterfaceMethod<
      "Whether the op has a scalar body for its operand types (integer division and "
      "powers have none: their divisors are checked on the host first)",
      "bool", "hasScalarBody", (ins), [{}], [{ return true; }]>,
    InterfaceMethod<
      "Relative work per element in a fused kernel (a copy is 1, an elementary "
      "function 16): what sizes the kernels' parallel chunks and vector lanes",
      "int64_t", "getFusionCost", (ins), [{}], [{ return 1; }]>,
  ];
}

def Kiln_ReductionOpInterface : OpInterface<"ReductionOpInterface"> {
  let cppNamespace = "::kiln::ir";
  let description = [{
    A reduction over a set of axes (sum, mean, max, min): what seeds a row fusion.
  }];
  let methods = [
    InterfaceMethod<"Which reduction", "::kiln::rules::ReduceKind", "getReduceKind", (ins),
                    [{}], [{ return ConcreteOp::kReduceKind; }]>,
  ];
}

#endif  // KILN_IR_INTERFACES_TD
