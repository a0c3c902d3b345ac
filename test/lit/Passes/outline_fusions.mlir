// kiln-outline-fusions: each fusion becomes a kernel on memrefs with one linalg.generic;
// dimensions every operand treats alike collapse; dimension 0 stays dynamic for threads.
// Kernels are appended to the module after the functions.
// RUN: kiln-opt %s --kiln-fuse-elementwise --kiln-outline-fusions | FileCheck %s

// The bias map reads row 0 of a broadcast operand.
// CHECK: affine_map<(d0, d1) -> (0, d1)>

// CHECK-LABEL: func.func @flat(
// CHECK: kiln.fusion "loop"(%arg0, %arg1) {kernel = @flat_k0}
func.func @flat(%x: tensor<4x8x2xf32>, %y: tensor<4x8x2xf32>) -> tensor<4x8x2xf32> {
  %0 = kiln.multiply %x, %y : (tensor<4x8x2xf32>, tensor<4x8x2xf32>) -> tensor<4x8x2xf32>
  %1 = kiln.exp %0 : (tensor<4x8x2xf32>) -> tensor<4x8x2xf32>
  return %1 : tensor<4x8x2xf32>
}

// CHECK-LABEL: func.func @bias_mask(
// CHECK: kiln.fusion "loop"(%arg0, %arg1) {kernel = @bias_mask_k0}
func.func @bias_mask(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xi1>, tensor<4x8xf32>) {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %0 = kiln.add %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = kiln.greater %0, %zero : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi1>
  return %1, %0 : tensor<4x8xi1>, tensor<4x8xf32>
}

// Same-shape operands: one flat dimension of 4*8*2 = 64 elements.
// CHECK-LABEL: func.func @flat_k0(%arg0: memref<?xf32>, %arg1: memref<?xf32>, %arg2: memref<?xf32>)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: linalg.generic {indexing_maps = [#[[ID:map[0-9]*]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]}
// CHECK: arith.mulf {{.*}} fastmath<contract>
// CHECK: math.exp
// CHECK: linalg.yield

// A row broadcast keeps two dimensions: the bias is read at (0, j). Booleans are bytes in
// memory and i1 inside; the splat constant is an arith.constant.
// CHECK-LABEL: func.func @bias_mask_k0(%arg0: memref<?x8xf32>, %arg1: memref<1x8xf32>, %arg2: memref<?x8xf32>, %arg3: memref<?x8xi8>)
// CHECK: linalg.generic {indexing_maps = [#[[ID2:map[0-9]*]], #[[ROW:map[0-9]*]], #[[ID2]], #[[ID2]]]
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: arith.addf
// CHECK: %[[B:.*]] = arith.cmpf ogt
// CHECK: arith.extui %[[B]] : i1 to i8
