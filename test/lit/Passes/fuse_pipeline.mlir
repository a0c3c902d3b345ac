// kiln-fuse, the one fusion pipeline (passes/Pipelines.h) the CPU JIT and the CUDA code
// generator both run: composites decomposed, rows and elementwise chains fused, matmul
// epilogues fused into output fusions, and the constants only fusions used dropped.
// RUN: kiln-opt %s --kiln-fuse | FileCheck %s

// A softmax then a scale: one "rows" fusion; the scale's constant moves into it.
// CHECK-LABEL: func.func @rows
// CHECK-NOT: kiln.constant
// CHECK: %[[F:.*]] = kiln.fusion "rows"(%arg0)
// CHECK: kiln.sum
// CHECK: kiln.multiply
// CHECK: kiln.yield
// CHECK: return %[[F]]
// CHECK-NOT: kiln.softmax
func.func @rows(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = kiln.constant dense<2.000000e+00> : tensor<f32>
  %0 = kiln.softmax %x {axis = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = kiln.multiply %0, %c : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// relu(x @ w + b): the product and its epilogue in one output fusion.
// CHECK-LABEL: func.func @epilogue
// CHECK: %[[F:.*]] = kiln.fusion "output"(%arg0, %arg1, %arg2)
// CHECK: kiln.matmul
// CHECK: kiln.add
// CHECK: kiln.relu
// CHECK: return %[[F]]
func.func @epilogue(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = kiln.add %0, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %2 = kiln.relu %1 : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}
