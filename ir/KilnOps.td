// The ops of the `kiln` dialect, one per entry of runtime/op_list.h (factories are
// traced as kiln.constant). Result types come from the shared rules in
// runtime/shape_rules.h through InferTypeOpAdaptor; the C++ halves live in
// KilnOps.cpp (inference, verifiers) and KilnFold.cpp (folders).
#ifndef KILN_IR_OPS_TD
#define KILN_IR_OPS_TD

include "ir/KilnDialect.td"
include "ir/KilnInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

/// The state kiln's side effects act on: prints, variables and collectives. One resource,
/// so they stay ordered relative to each other.
def Kiln_State : Resource<"::kiln::ir::KilnStateResource">;

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

// A pure op whose result type the shared rule infers. `infer` is the body of
// inferReturnTypes (names in scope: context, location, adaptor, inferredReturnTypes).
class Kiln_InferredOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits # [Pure, InferTypeOpAdaptor]> {
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===------------------------------------------------------------------------------------===//
// Constants
//===------------------------------------------------------------------------------------===//

def Kiln_ConstantOp : Kiln_Op<"constant", [ConstantLike, Pure, InferTypeOpAdaptor]> {
  let summary = "A tensor literal (also what traced factories become)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===------------------------------------------------------------------------------------===//
// Elementwise
//===------------------------------------------------------------------------------------===//

// The binary ops: what each accepts, its cost and whether integer operands fuse come from
// its definition (runtime/binary_ops.h), so eager mode, type inference and fusion share them.
// `folds`: the op has a folder (KilnFold.cpp).
class Kiln_BinaryOp<string mnemonic, list<Trait> traits = [], bit folds = 1>
    : Kiln_InferredOp<mnemonic, traits # [DeclareOpInterfaceMethods<Kiln_ScalarBodyOpInterface,
                                              ["hasScalarBody", "getFusionCost"]>]> {
  let summary = "Elementwise " # mnemonic # " with NumPy broadcasting";
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let hasFolder = folds;
  defvar opDef = "::kiln::BinaryOpDef<::kiln::OpId::" # mnemonic # ">";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      return ::kiln::ir::detail::inferBinary(context, location, getOperationName(),
          }] # opDef # [{::kind, adaptor.getLhs().getType(), adaptor.getRhs().getType(),
          inferredReturnTypes);
    }
    bool $cppClass::hasScalarBody() {
      return ::kiln::ir::detail::fusesOperands(}] # opDef # [{::checks_integers, getLhs().getType());
    }
    int64_t $cppClass::getFusionCost() { return }] # opDef # [{::cost; }
  }];
}

def Kiln_AddOp : Kiln_BinaryOp<"add", [Commutative]>;
def Kiln_SubtractOp : Kiln_BinaryOp<"subtract">;
def Kiln_MultiplyOp : Kiln_BinaryOp<"multiply", [Commutative]>;
def Kiln_DivideOp : Kiln_BinaryOp<"divide">;
def Kiln_PowOp : Kiln_BinaryOp<"pow", [], /*folds=*/0>;  // libm pow: not folded
def Kiln_MaximumOp : Kiln_BinaryOp<"maximum", [Commutative]>;
def Kiln_MinimumOp : Kiln_BinaryOp<"minimum", [Commutative]>;
def Kiln_EqualOp : Kiln_BinaryOp<"equal", [Commutative]>;
def Kiln_NotEqualOp : Kiln_BinaryOp<"not_equal", [Commutative]>;
def Kiln_LessOp : Kiln_BinaryOp<"less">;
def Kiln_LessEqualOp : Kiln_BinaryOp<"less_equal">;
def Kiln_GreaterOp : Kiln_BinaryOp<"greater">;
def Kiln_GreaterEqualOp : Kiln_BinaryOp<"greater_equal">;
def Kiln_LogicalAndOp : Kiln_BinaryOp<"logical_and", [Commutative]>;
def Kiln_LogicalOrOp : Kiln_BinaryOp<"logical_or", [Commutative]>;

// The unary ops: what each accepts comes from its definition (runtime/unary_ops.h), so
// eager mode and type inference share one rule. `folds`: the op has a folder (KilnFold.cpp).
class Kiln_UnaryOp<string mnemonic, bit folds = 0, list<Trait> traits = []>
    : Kiln_InferredOp<mnemonic,
          traits # [DeclareOpInterfaceMethods<Kiln_ScalarBodyOpInterface, ["getFusionCost"]>]> {
  let summary = "Elementwise " # mnemonic;
  let arguments = (ins Kiln_Tensor:$x);
  let hasFolder = folds;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      return ::kiln::ir::detail::inferUnary(context, location, getOperationName(),
          ::kiln::UnaryOpDef<::kiln::OpId::}] # mnemonic # [{>::kind, adaptor.getX().getType(),
          inferredReturnTypes);
    }
    int64_t $cppClass::getFusionCost() {
      return ::kiln::UnaryOpDef<::kiln::OpId::}] # mnemonic # [{>::cost;
    }
  }];
}

def Kiln_NegativeOp : Kiln_UnaryOp<"negative", /*folds=*/1>;
def Kiln_AbsOp : Kiln_UnaryOp<"abs", /*folds=*/1>;
def Kiln_SquareOp : Kiln_UnaryOp<"square">;
def Kiln_ReluOp : Kiln_UnaryOp<"relu">;  // its -0.0 and NaN behavior is the kernel's
def Kiln_ExpOp : Kiln_UnaryOp<"exp">;    // the transcendental ops approximate: not folded
def Kiln_LogOp : Kiln_UnaryOp<"log">;
def Kiln_Log1pOp : Kiln_UnaryOp<"log1p">;
def Kiln_SoftplusOp : Kiln_UnaryOp<"softplus">;
def Kiln_SqrtOp : Kiln_UnaryOp<"sqrt", /*folds=*/1>;
def Kiln_RsqrtOp : Kiln_UnaryOp<"rsqrt">;
def Kiln_TanhOp : Kiln_UnaryOp<"tanh">;
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid">;
def Kiln_GeluOp : Kiln_UnaryOp<"gelu">;
def Kiln_SinOp : Kiln_UnaryOp<"sin">;
def Kiln_CosOp : Kiln_UnaryOp<"cos">;
def Kiln_ErfOp : Kiln_UnaryOp<"erf">;
def Kiln_LogicalNotOp : Kiln_UnaryOp<"logical_not", /*folds=*/1>;

def Kiln_WhereOp : Kiln_InferredOp<"where", [Kiln_ScalarBodyOpInterface]> {
  let summary = "cond ? lhs : rhs, all three broadcasting together";
  let arguments = (ins Kiln_Tensor:$cond, Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
}

def Kiln_CastOp : Kiln_Op<"cast", [Pure, Kiln_ScalarBodyOpInterface]> {
  let summary = "Converts the element type; the result type is given";
  let description = [{
    The result type is explicit (same shape as x, any kiln element type). Float to
    integer truncates toward zero; anything to i1 is `!= 0`.
  }];
  let arguments = (ins Kiln_Tensor:$x);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::kiln::DType":$dtype)>
  ];
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===------------------------------------------------------------------------------------===//
// Reductions
//===------------------------------------------------------------------------------------===//

class Kiln_ReduceOp<string mnemonic>
    : Kiln_InferredOp<mnemonic, [DeclareOpInterfaceMethods<Kiln_ReductionOpInterface>]> {
  let summary = mnemonic # " over `axes` (normalized: sorted, unique, in [0, rank))";
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$axes, BoolAttr:$keepdims);
  let extraClassDeclaration = [{
    static constexpr ::kiln::rules::ReduceKind kReduceKind =
        ::kiln::rules::ReduceKind::}] # mnemonic # [{;
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      return ::kiln::ir::detail::inferReduce(context, location, getOperationName(),
          ::kiln::rules::ReduceKind::}] # mnemonic # [{, adaptor.getX().getType(),
          adaptor.getAxes(), adaptor.getKeepdims(), inferredReturnTypes);
    }
  }];
}

def Kiln_SumOp : Kiln_ReduceOp<"sum">;
def Kiln_MeanOp : Kiln_ReduceOp<"mean">;
def Kiln_MaxOp : Kiln_ReduceOp<"max">;
def Kiln_MinOp : Kiln_ReduceOp<"min">;

def Kiln_ArgmaxOp : Kiln_InferredOp<"argmax"> {
  let summary = "Index (i64) of the first maximum along `axis` (normalized)";
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$axis, BoolAttr:$keepdims);
}

def Kiln_ArgminOp : Kiln_InferredOp<"argmin"> {
  let summary = "Index (i64) of the first minimum along `axis` (normalized)";
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$axis, BoolAttr:$keepdims);
}

//===------------------------------------------------------------------------------------===//
// Scans
//===------------------------------------------------------------------------------------===//

def Kiln_CumsumOp : Kiln_InferredOp<"cumsum"> {
  let summary = "Running sum along `axis` (normalized), from the end when `reverse`";
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$axis, BoolAttr:$reverse);
}

//===------------------------------------------------------------------------------------===//
// Shape
//===------------------------------------------------------------------------------------===//

def Kiln_ReshapeOp : Kiln_InferredOp<"reshape"> {
  let summary = "Reshape to `shape`; one -1 is inferred (or stays dynamic)";
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$shape);
  let hasFolder = 1;
}

def Kiln_TransposeOp : Kiln_InferredOp<"transpose"> {
  let summary = "Permute the axes: result dim i is x dim perm[i]";
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$perm);
  let hasFolder = 1;
}

// In a fusion, a broadcast is the loop's index map: its scalar body is the element itself.
def Kiln_BroadcastToOp : Kiln_InferredOp<"broadcast_to", [Kiln_ScalarBodyOpInterface]> {
  let summary = "NumPy broadcast to `shape`";
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$shape);
  let hasFolder = 1;
}

def Kiln_ExpandDimsOp : Kiln_InferredOp<"expand_dims"> {
  let summary = "Insert a size-1 axis at `axis` (result numbering)";
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$axis);
}

def Kiln_SqueezeOp : Kiln_InferredOp<"squeeze"> {
  let summary = "Remove the size-1 axes `axes` (normalized)";
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$axes);
}

def Kiln_SliceOp : Kiln_InferredOp<"slice"> {
  let summary = "x[begin:end] per axis (normalized: 0 <= begin <= end <= dim)";
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$begin, DenseI64ArrayAttr:$end);
}

def Kiln_ConcatOp : Kiln_InferredOp<"concat"> {
  let summary = "Concatenate along `axis`";
  let arguments = (ins Variadic<Kiln_Tensor>:$xs, I64Attr:$axis);
}

def Kiln_GatherOp : Kiln_InferredOp<"gather"> {
  let summary = "Take `indices` along `axis`";
  let arguments = (ins Kiln_Tensor:$x, Kiln_Tensor:$indices, I64Attr:$axis);
}

def Kiln_IndexUpdateOp : Kiln_InferredOp<"index_update"> {
  let summary = "x with its entry `index` (a rank-0 integer) along `axis` set to `value`";
  let arguments = (ins Kiln_Tensor:$x, Kiln_Tensor:$index, Kiln_Tensor:$value, I64Attr:$axis);
}

def Kiln_OneHotOp : Kiln_InferredOp<"one_hot"> {
  let summary = "A trailing axis of `depth`; element type `dtype`";
  let arguments = (ins Kiln_Tensor:$indices, I64Attr:$depth, TypeAttrOf<Kiln_Element>:$dtype);
}

//===------------------------------------------------------------------------------------===//
// Sizes at run time (dynamic dimensions: kiln::shape, kiln::dim, reshape to a tensor)
//===------------------------------------------------------------------------------------===//

def Kiln_ShapeOp : Kiln_InferredOp<"shape"> {
  let summary = "x's dimensions as a 1-D i64 tensor (a dynamic one's size at run time)";
  let arguments = (ins Kiln_Tensor:$x);
  let hasFolder = 1;  // x of static shape: a constant
}

def Kiln_DynamicReshapeOp : Kiln_InferredOp<"dynamic_reshape"> {
  let summary = "reshape to the sizes a 1-D integer tensor holds at run time (one may be -1)";
  let arguments = (ins Kiln_Tensor:$x, Kiln_Tensor:$shape);
}

def Kiln_SumToOp : Kiln_InferredOp<"sum_to"> {
  let summary = "x summed down to like's shape at run time: undoes a broadcast of like";
  let description = [{
    Only `like`'s shape is read. The gradient of a broadcast whose dimensions are dynamic:
    whether an axis was broadcast (like's size 1) is known only at run time.
  }];
  let arguments = (ins Kiln_Tensor:$x, Kiln_Tensor:$like);
}

//===------------------------------------------------------------------------------------===//
// Linear algebra and composites
//===------------------------------------------------------------------------------------===//

def Kiln_MatmulOp : Kiln_InferredOp<"matmul"> {
  let summary = "(..., M, K) @ (..., K, N) -> (..., M, N), batch dims broadcast";
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
}

def Kiln_SoftmaxOp : Kiln_InferredOp<"softmax"> {
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$axis);
}

def Kiln_LogSoftmaxOp : Kiln_InferredOp<"log_softmax"> {
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$axis);
}

def Kiln_LayerNormOp : Kiln_InferredOp<"layer_norm"> {
  let summary = "Normalize over the last axis, then scale by gamma and shift by beta";
  let arguments = (ins Kiln_Tensor:$x, Kiln_Tensor:$gamma, Kiln_Tensor:$beta, F64Attr:$eps);
}

def Kiln_SoftmaxCrossEntropyOp : Kiln_InferredOp<"softmax_cross_entropy"> {
  let summary = "-log_softmax(logits)[labels] per example";
  let arguments = (ins Kiln_Tensor:$logits, Kiln_Tensor:$labels);
}

//===------------------------------------------------------------------------------------===//
// Random (counter-based: same seed, same values, so pure)
//===------------------------------------------------------------------------------------===//

// `key` is an i64 tensor (2,): the Philox key (the seed) and the draw's counter. A
// constant key makes a constant (computed while tracing); a kiln::Generator's key is a
// variable read, so each call draws anew.
// `shape` may hold -1 (dynamic) entries only with `dims`, an i64 (rank) tensor of the sizes
// at run time (kiln.shape of the tensor the draw is shaped like).
def Kiln_RandomUniformOp : Kiln_InferredOp<"random_uniform"> {
  let arguments = (ins Kiln_Tensor:$key, Optional<Kiln_Tensor>:$dims, DenseI64ArrayAttr:$shape,
                       F64Attr:$lo, F64Attr:$hi, TypeAttrOf<Kiln_Element>:$dtype);
  let assemblyFormat = "$key (`,` $dims^)? attr-dict `:` functional-type(operands, results)";
}

def Kiln_RandomNormalOp : Kiln_InferredOp<"random_normal"> {
  let arguments = (ins Kiln_Tensor:$key, Optional<Kiln_Tensor>:$dims, DenseI64ArrayAttr:$shape,
                       F64Attr:$mean, F64Attr:$stddev, TypeAttrOf<Kiln_Element>:$dtype);
  let assemblyFormat = "$key (`,` $dims^)? attr-dict `:` functional-type(operands, results)";
}

def Kiln_RandomIntOp : Kiln_InferredOp<"random_int"> {
  let summary = "Integers uniform in [lo, hi)";
  let arguments = (ins Kiln_Tensor:$key, Optional<Kiln_Tensor>:$dims, DenseI64ArrayAttr:$shape,
                       I64Attr:$lo, I64Attr:$hi, TypeAttrOf<Kiln_Element>:$dtype);
  let assemblyFormat = "$key (`,` $dims^)? attr-dict `:` functional-type(operands, results)";
}

//===------------------------------------------------------------------------------------===//
// Side effects: ordered through Kiln_State, never CSE'd or dropped (reads may be)
//===------------------------------------------------------------------------------------===//

def Kiln_PrintOp : Kiln_Op<"print", [MemoryEffects<[MemWrite<Kiln_State>]>]> {
  let summary = "Prints `label: ` and x each time it runs";
  let arguments = (ins Kiln_Tensor:$x, StrAttr:$label);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

//===------------------------------------------------------------------------------------===//
// Collectives between processes (kiln/distributed.h). Ordered effects on Kiln_State (read
// and write), so no pass merges, drops, hoists or reorders them: every rank runs the same
// graph, and its program order is the order on the wire. `group` names the group (the
// world, or a split's name), `group_size` is its size when traced.
//===------------------------------------------------------------------------------------===//

class Kiln_CollectiveOp<string mnemonic>
    : Kiln_Op<mnemonic, [InferTypeOpAdaptor,
                         MemoryEffects<[MemRead<Kiln_State>, MemWrite<Kiln_State>]>]> {
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
}

def Kiln_AllReduceOp : Kiln_CollectiveOp<"all_reduce"> {
  let summary = "Every rank's x combined elementwise: `reduce` is sum, mean, max or min";
  let description = [{
    `bucket_bytes`, when set (all_reduce_gradients sets it), lets kiln-bucket-collectives
    combine this reduction with the adjacent ones of the same dtype, reduce, group and
    bucket size into buckets of at most that many bytes: one collective each.
  }];
  let arguments = (ins Kiln_Tensor:$x, StrAttr:$reduce, StrAttr:$group, I64Attr:$group_size,
                       OptionalAttr<I64Attr>:$bucket_bytes);
}

def Kiln_AllGatherOp : Kiln_CollectiveOp<"all_gather"> {
  let summary = "Every rank's x, concatenated along axis 0 in rank order";
  let arguments = (ins Kiln_Tensor:$x, StrAttr:$group, I64Attr:$group_size);
}

def Kiln_CollectiveBroadcastOp : Kiln_CollectiveOp<"collective_broadcast"> {
  let summary = "Rank `root`'s x on every rank";
  let arguments = (ins Kiln_Tensor:$x, I64Attr:$root, StrAttr:$group, I64Attr:$group_size);
}

def Kiln_ReadVariableOp : Kiln_Op<"read_variable", [MemoryEffects<[MemRead<Kiln_State>]>]> {
  let summary = "Reads captured variable number `index`; the result type is given";
  let arguments = (ins I64Attr:$index);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def Kiln_AssignVariableOp : Kiln_Op<"assign_variable", [MemoryEffects<[MemWrite<Kiln_State>]>]> {
  let summary = "Writes `value` to captured variable number `index`";
  let arguments = (ins I64Attr:$index, Kiln_Tensor:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

//===------------------------------------------------------------------------------------===//
// Structured control flow
//===------------------------------------------------------------------------------------===//

def Kiln_YieldOp : Kiln_Op<"yield", [Pure, Terminator,
    ParentOneOf<["CondOp", "WhileLoopOp", "ForRangeOp", "FusionOp"]>]> {
  let summary = "Ends a region of cond, while_loop, for_range or fusion";
  let arguments = (ins Variadic<Kiln_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

def Kiln_CondOp : Kiln_Op<"cond", [RecursiveMemoryEffects]> {
  let summary = "pred ? then_region : else_region, each yielding the results";
  let arguments = (ins Kiln_Pred:$pred);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$then_region, SizedRegion<1>:$else_region);
  let assemblyFormat = [{
    $pred `:` type($pred) (`->` `(` type($results)^ `)`)? $then_region `else` $else_region attr-dict
  }];
  let hasRegionVerifier = 1;
}

def Kiln_WhileLoopOp : Kiln_Op<"while_loop", [RecursiveMemoryEffects]> {
  let summary = "while (cond(carried)) carried = body(carried)";
  let description = [{
    `cond` takes the carried values and yields one tensor<i1> of rank 0; `body` takes
    them and yields their next values. The results are the carried values at exit.
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$init);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$cond, SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $init `)` attr-dict `:` functional-type($init, $results) $cond `do` $body
  }];
  let hasRegionVerifier = 1;
}

def Kiln_ForRangeOp : Kiln_Op<"for_range", [RecursiveMemoryEffects]> {
  let summary = "for i in [0, n): carried = body(i, carried)";
  let description = [{
    `n` is a rank-0 tensor<i64>; the body's block arguments are (i : tensor<i64>,
    carried...) and it yields the next carried values.
  }];
  let arguments = (ins Kiln_Index:$n, Variadic<Kiln_Tensor>:$init);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $n `iter` `(` $init `)` attr-dict `:` functional-type(operands, $results) $body
  }];
  let hasRegionVerifier = 1;
}

//===------------------------------------------------------------------------------------===//
// Fusion (made by passes/, never traced)
//===------------------------------------------------------------------------------------===//

def Kiln_FusionOp : Kiln_Op<"fusion", [IsolatedFromAbove, RecursiveMemoryEffects]> {
  let summary = "ops compiled into one kernel";
  let description = [{
    The body takes the inputs as block arguments and yields the results: values of the
    fused ops that are used outside. `kind` says how the kernel iterates: "loop" is one
    loop nest over the results' common shape, each op applied elementwise with NumPy
    broadcasting of the inputs; "rows" walks rows of its reductions' operand (input
    fusion: last-axis reductions and the elementwise ops around them); "output" is a 2-D
    matmul of inputs 0 and 1 (its only matmul) followed by a loop epilogue on its
    result (output fusion). `kernel`, once set by kiln-outline-fusions, names the
    outlined kernel function.
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, StrAttr:$kind,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind `(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body
  }];
  let hasRegionVerifier = 1;
}

#endif  // KILN_IR_OPS_TD
