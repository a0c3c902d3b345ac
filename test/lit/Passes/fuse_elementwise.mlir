// kiln-fuse-elementwise: what fuses into one kiln.fusion "loop", and what must not.
// RUN: kiln-opt %s --kiln-fuse-elementwise | FileCheck %s

// A DAG (one value used twice) is one fusion; both values used outside are results.
// CHECK-LABEL: func.func @dag
// CHECK-NEXT: %[[F:.*]]:2 = kiln.fusion "loop"(%arg0, %arg1)
// CHECK: kiln.multiply
// CHECK-NEXT: %[[E:.*]] = kiln.exp
// CHECK-NEXT: kiln.tanh
// CHECK-NEXT: %[[S:.*]] = kiln.add
// CHECK-NEXT: kiln.yield %[[E]], %[[S]]
// CHECK: return %[[F]]#1, %[[F]]#0
func.func @dag(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = kiln.multiply %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = kiln.exp %0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = kiln.tanh %0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = kiln.add %1, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %3, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// A matmul is a boundary: its input is a fusion result and its output a fusion input.
// CHECK-LABEL: func.func @matmul_input
// CHECK: %[[A:.*]] = kiln.fusion "loop"(%arg0)
// CHECK: kiln.exp
// CHECK: %[[M:.*]] = kiln.matmul %[[A]], %arg1
// CHECK: kiln.fusion "loop"(%[[M]], %[[A]])
// CHECK-NOT: kiln.matmul
func.func @matmul_input(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = kiln.exp %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = kiln.matmul %0, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %2 = kiln.tanh %1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = kiln.add %2, %0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// A side effect between two ops that use the same value keeps them apart: print needs
// exp's result before sqrt runs.
// CHECK-LABEL: func.func @effect
// CHECK: %[[E:.*]] = kiln.fusion "loop"(%arg0)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: kiln.exp
// CHECK-NEXT: kiln.yield
// CHECK-NEXT: }
// CHECK-NEXT: kiln.print %[[E]]
// CHECK-NEXT: kiln.fusion "loop"(%[[E]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: kiln.sqrt
func.func @effect(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
  kiln.print %0 {label = "e"} : tensor<4xf32>
  %1 = kiln.sqrt %0 : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// A reduction between producer and consumer: the add cannot join exp's fusion (the
// fusion would sit after the sum that reads exp's result).
// CHECK-LABEL: func.func @user_between
// CHECK: %[[E:.*]] = kiln.fusion "loop"(%arg0)
// CHECK: %[[S:.*]] = kiln.sum %[[E]]
// CHECK: kiln.fusion "loop"(%[[E]], %[[S]])
func.func @user_between(%x: tensor<4xf32>) -> tensor<f32> {
  %0 = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.sum %0 {axes = array<i64: 0>, keepdims = false} : (tensor<4xf32>) -> tensor<f32>
  %2 = kiln.add %0, %1 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = kiln.sum %2 {axes = array<i64: 0>, keepdims = false} : (tensor<4xf32>) -> tensor<f32>
  return %3 : tensor<f32>
}

// Integer division may refuse its data (a zero divisor) at run time: it stays an op.
// CHECK-LABEL: func.func @int_divide
// CHECK-NEXT: %[[D:.*]] = kiln.divide
// CHECK-NEXT: kiln.fusion "loop"(%[[D]], %arg0)
func.func @int_divide(%x: tensor<4xi32>, %y: tensor<4xi32>) -> tensor<4xi32> {
  %0 = kiln.divide %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = kiln.add %0, %x : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %1 : tensor<4xi32>
}

// Broadcast operands are fusion inputs as they are; splat constants are cloned inside.
// CHECK-LABEL: func.func @bias_relu
// CHECK: kiln.matmul
// CHECK: kiln.fusion "loop"(%{{.*}}, %arg1) : (tensor<4x8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: kiln.constant dense<2.000000e+00> : tensor<f32>
func.func @bias_relu(%x: tensor<4x8xf32>, %b: tensor<8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %m = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %c = kiln.constant dense<2.0> : tensor<f32>
  %0 = kiln.add %m, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = kiln.relu %0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = kiln.multiply %1, %c : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = kiln.tanh %2 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1, %3 : tensor<4x8xf32>, tensor<4x8xf32>
}

// Inside a cond, ops fuse within their region only.
// CHECK-LABEL: func.func @in_cond
// CHECK: kiln.cond
// CHECK: kiln.fusion "loop"(%arg1)
// CHECK: kiln.exp
// CHECK: kiln.negative
// CHECK: } else {
// CHECK: kiln.fusion
// CHECK: kiln.tanh
func.func @in_cond(%p: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %r = kiln.cond %p : tensor<i1> -> (tensor<4xf32>) {
    %0 = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
    %1 = kiln.negative %0 : (tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %1 : tensor<4xf32>
  } else {
    %2 = kiln.tanh %x : (tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %2 : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
