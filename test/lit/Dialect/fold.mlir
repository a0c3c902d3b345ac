// Folding under -canonicalize: constant chains, algebraic identities, shape ops.
// RUN: kiln-opt %s -canonicalize | FileCheck %s

// (2 + 3) * 4 - 1 = 19, then max with 7 and compare: one constant per result.
// CHECK-LABEL: func.func @chain
// CHECK-DAG: %[[A:.*]] = kiln.constant dense<1.900000e+01> : tensor<2xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<true> : tensor<2xi1>
// CHECK-NOT: kiln.add
// CHECK-NOT: kiln.multiply
// CHECK: return %[[A]], %[[B]]
func.func @chain() -> (tensor<2xf32>, tensor<2xi1>) {
  %two = kiln.constant dense<2.0> : tensor<2xf32>
  %three = kiln.constant dense<3.0> : tensor<2xf32>
  %four = kiln.constant dense<4.0> : tensor<2xf32>
  %one = kiln.constant dense<1.0> : tensor<2xf32>
  %seven = kiln.constant dense<7.0> : tensor<2xf32>
  %0 = kiln.add %two, %three : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = kiln.multiply %0, %four : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = kiln.subtract %1, %one : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %3 = kiln.maximum %2, %seven : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %4 = kiln.greater %3, %seven : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  return %3, %4 : tensor<2xf32>, tensor<2xi1>
}

// Non-splat integer constants, elementwise; division truncates toward zero.
// CHECK-LABEL: func.func @int_elements
// CHECK: kiln.constant dense<[-3, 2, 0]> : tensor<3xi32>
// CHECK-NOT: kiln.divide
func.func @int_elements() -> tensor<3xi32> {
  %a = kiln.constant dense<[-7, 5, 1]> : tensor<3xi32>
  %b = kiln.constant dense<[2, 2, 3]> : tensor<3xi32>
  %0 = kiln.divide %a, %b : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// Integer division by a constant zero is left for run time (it throws there).
// CHECK-LABEL: func.func @int_div_zero
// CHECK: kiln.divide
func.func @int_div_zero() -> tensor<3xi32> {
  %a = kiln.constant dense<[-7, 5, 1]> : tensor<3xi32>
  %z = kiln.constant dense<0> : tensor<3xi32>
  %0 = kiln.divide %a, %z : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// Splat scalars broadcast into a splat result; negative and f64.
// CHECK-LABEL: func.func @splat_broadcast
// CHECK: kiln.constant dense<-5.000000e-01> : tensor<2x2xf64>
func.func @splat_broadcast() -> tensor<2x2xf64> {
  %a = kiln.constant dense<1.5> : tensor<f64>
  %b = kiln.constant dense<-2.0> : tensor<2x2xf64>
  %0 = kiln.add %a, %b : (tensor<f64>, tensor<2x2xf64>) -> tensor<2x2xf64>
  %1 = kiln.negative %0 : (tensor<2x2xf64>) -> tensor<2x2xf64>
  %2 = kiln.negative %1 : (tensor<2x2xf64>) -> tensor<2x2xf64>
  return %2 : tensor<2x2xf64>
}

// Identities: x + 0, x * 1, x / 1, x - 0.0, -(-x), cast to the same type.
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<3xi64>, %[[F:.*]]: tensor<3xf32>)
// CHECK-NOT: kiln.
// CHECK: return %[[X]], %[[F]], %[[F]]
func.func @identities(%x: tensor<3xi64>, %f: tensor<3xf32>) -> (tensor<3xi64>, tensor<3xf32>, tensor<3xf32>) {
  %zero = kiln.constant dense<0> : tensor<i64>
  %one = kiln.constant dense<1> : tensor<3xi64>
  %fzero = kiln.constant dense<0.0> : tensor<3xf32>
  %fone = kiln.constant dense<1.0> : tensor<f32>
  %0 = kiln.add %x, %zero : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %1 = kiln.multiply %one, %0 : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %2 = kiln.divide %1, %one : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %3 = kiln.cast %2 : (tensor<3xi64>) -> tensor<3xi64>
  %4 = kiln.subtract %f, %fzero : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %5 = kiln.multiply %4, %fone : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %6 = kiln.negative %5 : (tensor<3xf32>) -> tensor<3xf32>
  %7 = kiln.negative %6 : (tensor<3xf32>) -> tensor<3xf32>
  return %3, %5, %7 : tensor<3xi64>, tensor<3xf32>, tensor<3xf32>
}

// x + 0.0 is kept for floats (it turns -0.0 into +0.0); x + (-0.0) folds.
// CHECK-LABEL: func.func @float_add_zero
// CHECK: %[[S:.*]] = kiln.add
// CHECK-NEXT: return %[[S]], %arg0
func.func @float_add_zero(%f: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %pz = kiln.constant dense<0.0> : tensor<3xf32>
  %nz = kiln.constant dense<-0.0> : tensor<3xf32>
  %0 = kiln.add %f, %pz : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %1 = kiln.add %f, %nz : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}

// x + 0 that broadcasts x is not an identity.
// CHECK-LABEL: func.func @broadcasting_zero
// CHECK: kiln.add
func.func @broadcasting_zero(%x: tensor<3xi32>) -> tensor<2x3xi32> {
  %zero = kiln.constant dense<0> : tensor<2x3xi32>
  %0 = kiln.add %x, %zero : (tensor<3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// Shape ops: transpose of transpose, reshape of reshape, reshape/cast of constants.
// CHECK-LABEL: func.func @shapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-DAG: %[[C:.*]] = kiln.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[I:.*]] = kiln.constant dense<[1, -2, 3, 0]> : tensor<4xi32>
// CHECK-DAG: %[[T:.*]] = kiln.transpose %[[X]] {perm = array<i64: 1, 0, 2>}
// CHECK-DAG: %[[R:.*]] = kiln.reshape %[[X]] {shape = array<i64: 24>}
// CHECK: return %[[X]], %[[T]], %[[R]], %[[C]], %[[I]]
func.func @shapes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<3x2x4xf32>, tensor<24xf32>, tensor<2x2xf32>, tensor<4xi32>) {
  %0 = kiln.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %1 = kiln.transpose %0 {perm = array<i64: 1, 2, 0>} : (tensor<4x2x3xf32>) -> tensor<2x3x4xf32>
  %2 = kiln.transpose %0 {perm = array<i64: 2, 1, 0>} : (tensor<4x2x3xf32>) -> tensor<3x2x4xf32>
  %3 = kiln.reshape %x {shape = array<i64: 6, 4>} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %4 = kiln.reshape %3 {shape = array<i64: 24>} : (tensor<6x4xf32>) -> tensor<24xf32>
  %c = kiln.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %5 = kiln.reshape %c {shape = array<i64: 2, 2>} : (tensor<4xf32>) -> tensor<2x2xf32>
  %d = kiln.constant dense<[1.9, -2.7, 3.0, 0.5]> : tensor<4xf32>
  %6 = kiln.cast %d : (tensor<4xf32>) -> tensor<4xi32>
  return %1, %2, %4, %5, %6 : tensor<2x3x4xf32>, tensor<3x2x4xf32>, tensor<24xf32>, tensor<2x2xf32>, tensor<4xi32>
}

// Comparisons and logic on integers and booleans.
// CHECK-LABEL: func.func @compare_logic
// CHECK: kiln.constant dense<[false, true, true]> : tensor<3xi1>
func.func @compare_logic() -> tensor<3xi1> {
  %a = kiln.constant dense<[1, 2, 3]> : tensor<3xi64>
  %b = kiln.constant dense<[1, 5, -3]> : tensor<3xi64>
  %0 = kiln.not_equal %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %1 = kiln.less %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %2 = kiln.logical_not %1 : (tensor<3xi1>) -> tensor<3xi1>
  %3 = kiln.logical_or %1, %2 : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %4 = kiln.logical_and %0, %3 : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %4 : tensor<3xi1>
}
