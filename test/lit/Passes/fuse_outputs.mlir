// kiln-fuse-outputs: a 2-D f32/f64 matmul whose only user is a loop fusion of its shape
// joins it as kind "output" (inputs: lhs, rhs, the epilogue's other inputs); the outlined
// kernel is the epilogue alone, reading the product as its input 0.
// RUN: kiln-opt %s --kiln-fuse-elementwise --kiln-fuse-outputs | FileCheck %s
// RUN: kiln-opt %s --kiln-fuse-elementwise --kiln-fuse-outputs --kiln-outline-fusions | FileCheck %s --check-prefix=KERNEL

// CHECK-LABEL: func.func @dense(
// CHECK-NEXT: %[[F:.*]] = kiln.fusion "output"(%arg0, %arg1, %arg2)
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<64x32xf32>, %[[W:.*]]: tensor<32x16xf32>, %[[B:.*]]: tensor<16xf32>):
// CHECK-NEXT: %[[P:.*]] = kiln.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[S:.*]] = kiln.add %[[P]], %[[B]]
// CHECK-NEXT: %[[R:.*]] = kiln.relu %[[S]]
// CHECK-NEXT: kiln.yield %[[R]]
// CHECK: return %[[F]]
func.func @dense(%x: tensor<64x32xf32>, %w: tensor<32x16xf32>, %b: tensor<16xf32>) -> tensor<64x16xf32> {
  %0 = kiln.matmul %x, %w : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
  %1 = kiln.add %0, %b : (tensor<64x16xf32>, tensor<16xf32>) -> tensor<64x16xf32>
  %2 = kiln.relu %1 : (tensor<64x16xf32>) -> tensor<64x16xf32>
  return %2 : tensor<64x16xf32>
}

// The product is also returned: it must exist in memory, so it stays a matmul.
// CHECK-LABEL: func.func @product_escapes(
// CHECK: kiln.matmul
// CHECK: kiln.fusion "loop"
// CHECK-NOT: "output"
func.func @product_escapes(%x: tensor<8x4xf32>, %w: tensor<4x8xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %0 = kiln.matmul %x, %w : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %1 = kiln.tanh %0 : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %0, %1 : tensor<8x8xf32>, tensor<8x8xf32>
}

// Batched (rank 3) and integer products are not blocked by rows: no output fusion.
// CHECK-LABEL: func.func @batched_and_integer(
// CHECK-COUNT-2: kiln.matmul
// CHECK-NOT: "output"
// CHECK: return
func.func @batched_and_integer(%x: tensor<2x8x4xf32>, %w: tensor<2x4x8xf32>, %i: tensor<8x4xi32>, %j: tensor<4x8xi32>) -> (tensor<2x8x8xf32>, tensor<8x8xi32>) {
  %0 = kiln.matmul %x, %w : (tensor<2x8x4xf32>, tensor<2x4x8xf32>) -> tensor<2x8x8xf32>
  %1 = kiln.relu %0 : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %2 = kiln.matmul %i, %j : (tensor<8x4xi32>, tensor<4x8xi32>) -> tensor<8x8xi32>
  %3 = kiln.relu %2 : (tensor<8x8xi32>) -> tensor<8x8xi32>
  return %1, %3 : tensor<2x8x8xf32>, tensor<8x8xi32>
}

// The epilogue's shape is larger than the product's (broadcast): not an output fusion.
// CHECK-LABEL: func.func @epilogue_broadcasts(
// CHECK: kiln.matmul
// CHECK-NOT: "output"
// CHECK: return
func.func @epilogue_broadcasts(%x: tensor<8x4xf32>, %w: tensor<4x8xf32>, %y: tensor<3x8x8xf32>) -> tensor<3x8x8xf32> {
  %0 = kiln.matmul %x, %w : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %1 = kiln.add %0, %y : (tensor<8x8xf32>, tensor<3x8x8xf32>) -> tensor<3x8x8xf32>
  return %1 : tensor<3x8x8xf32>
}

// KERNEL-LABEL: func.func @dense_k0(%arg0: memref<?x16xf32>, %arg1: memref<1x16xf32>, %arg2: memref<?x16xf32>)
// KERNEL-NOT: kiln.matmul
// KERNEL: vector.load %arg0
// KERNEL: vector.load %arg1
// KERNEL: arith.addf
// KERNEL: arith.select
// KERNEL: vector.store {{.*}}, %arg2
