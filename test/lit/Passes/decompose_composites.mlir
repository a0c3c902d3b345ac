// kiln-decompose-composites: softmax, log_softmax and layer_norm over the last axis of a
// static float tensor become reductions (keepdims) and elementwise ops; over another axis,
// of a dynamic shape, they stay as they are (their eager kernels run them).
// RUN: kiln-opt %s --kiln-decompose-composites --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @softmax_last_axis
// CHECK: %[[M:.*]] = kiln.max %arg0 {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[S:.*]] = kiln.where
// CHECK: %[[X:.*]] = kiln.subtract %arg0, %[[S]]
// CHECK: %[[E:.*]] = kiln.exp %[[X]]
// CHECK: %[[T:.*]] = kiln.sum %[[E]] {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[R:.*]] = kiln.divide %[[E]], %[[T]]
// CHECK: return %[[R]]
// CHECK-NOT: kiln.softmax
func.func @softmax_last_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = kiln.softmax %x {axis = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax_last_axis
// CHECK: %[[X:.*]] = kiln.subtract %arg0
// CHECK: %[[T:.*]] = kiln.sum
// CHECK: %[[L:.*]] = kiln.log %[[T]]
// CHECK: %[[R:.*]] = kiln.subtract %[[X]], %[[L]]
// CHECK: return %[[R]]
// CHECK-NOT: kiln.log_softmax
func.func @log_softmax_last_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = kiln.log_softmax %x {axis = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// The centered two-pass variance, as the eager kernel computes it.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[MU:.*]] = kiln.mean %arg0 {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[C:.*]] = kiln.subtract %arg0, %[[MU]]
// CHECK: %[[SQ:.*]] = kiln.multiply %[[C]], %[[C]]
// CHECK: %[[V:.*]] = kiln.mean %[[SQ]]
// CHECK: kiln.rsqrt
// CHECK: kiln.multiply {{.*}}, %arg1
// CHECK: kiln.add {{.*}}, %arg2
// CHECK-NOT: kiln.layer_norm
func.func @layer_norm(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = kiln.layer_norm %x, %g, %b {eps = 1.000000e-05 : f64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Not over the last axis, or of a dynamic shape: left to the eager kernels.
// CHECK-LABEL: func.func @kept
// CHECK: kiln.softmax %arg0 {axis = 0 : i64}
// CHECK: kiln.softmax %arg1 {axis = 1 : i64}
// CHECK-NOT: kiln.exp
func.func @kept(%x: tensor<4x8xf32>, %y: tensor<?x8xf32>) -> (tensor<4x8xf32>, tensor<?x8xf32>) {
  %0 = kiln.softmax %x {axis = 0 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = kiln.softmax %y {axis = 1 : i64} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<?x8xf32>
}
