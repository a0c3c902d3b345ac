// kiln-outline-fusions: each fusion becomes a kernel on memrefs: loops over the collapsed
// iteration space (dimensions every operand treats alike collapse; dimension 0 stays
// dynamic for threads), the innermost one on vectors (whole steps, then a masked one for
// a partial rest). Kernels are appended to the module after the functions.
// RUN: kiln-opt %s --kiln-fuse-elementwise --kiln-outline-fusions | FileCheck %s

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

// CHECK-LABEL: func.func @chain(
// CHECK: kiln.fusion "loop"(%arg0) {kernel = @chain_k0}
func.func @chain(%x: tensor<1000xf32>) -> tensor<1000xf32> {
  %1 = kiln.tanh %x : (tensor<1000xf32>) -> tensor<1000xf32>
  %2 = kiln.tanh %1 : (tensor<1000xf32>) -> tensor<1000xf32>
  %3 = kiln.tanh %2 : (tensor<1000xf32>) -> tensor<1000xf32>
  %4 = kiln.tanh %3 : (tensor<1000xf32>) -> tensor<1000xf32>
  %5 = kiln.tanh %4 : (tensor<1000xf32>) -> tensor<1000xf32>
  %6 = kiln.tanh %5 : (tensor<1000xf32>) -> tensor<1000xf32>
  %7 = kiln.tanh %6 : (tensor<1000xf32>) -> tensor<1000xf32>
  %8 = kiln.tanh %7 : (tensor<1000xf32>) -> tensor<1000xf32>
  %9 = kiln.tanh %8 : (tensor<1000xf32>) -> tensor<1000xf32>
  %10 = kiln.tanh %9 : (tensor<1000xf32>) -> tensor<1000xf32>
  %11 = kiln.tanh %10 : (tensor<1000xf32>) -> tensor<1000xf32>
  %12 = kiln.tanh %11 : (tensor<1000xf32>) -> tensor<1000xf32>
  %13 = kiln.tanh %12 : (tensor<1000xf32>) -> tensor<1000xf32>
  %14 = kiln.tanh %13 : (tensor<1000xf32>) -> tensor<1000xf32>
  %15 = kiln.tanh %14 : (tensor<1000xf32>) -> tensor<1000xf32>
  %16 = kiln.tanh %15 : (tensor<1000xf32>) -> tensor<1000xf32>
  %17 = kiln.tanh %16 : (tensor<1000xf32>) -> tensor<1000xf32>
  return %17 : tensor<1000xf32>
}

// Same-shape operands: one flat dimension of 4*8*2 = 64 elements, 16 f32 lanes at a time.
// The length is dynamic (the chunk a thread gets): whole steps load and store unmasked,
// and one masked step after the loop covers the rest, if any.
// CHECK-LABEL: func.func @flat_k0(%arg0: memref<?xf32>, %arg1: memref<?xf32>, %arg2: memref<?xf32>)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: %[[N:.*]] = memref.dim %arg2
// CHECK: %[[ODD:.*]] = arith.remui %[[N]], %c16
// CHECK: %[[WHOLE:.*]] = arith.subi %[[N]], %[[ODD]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[WHOLE]] step %c16
// CHECK-NOT: vector.maskedload
// CHECK: %[[A:.*]] = vector.load %arg0[%[[J]]]
// CHECK: %[[B:.*]] = vector.load %arg1[%[[J]]]
// No contraction across ops (compiled == eager); exp is kiln's own (math_algorithms.h).
// CHECK: %[[P:.*]] = arith.mulf %[[A]], %[[B]] : vector<16xf32>
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: vector.store %{{.*}}, %arg2[%[[J]]]
// CHECK: %[[TAIL:.*]] = arith.cmpi ult, %[[WHOLE]], %[[N]]
// CHECK: scf.if %[[TAIL]]
// CHECK: %[[REM:.*]] = arith.subi %[[N]], %[[WHOLE]]
// CHECK: %[[M:.*]] = vector.create_mask %[[REM]] : vector<16xi1>
// CHECK: vector.maskedload %arg0[%[[WHOLE]]], %[[M]]
// CHECK: vector.maskedload %arg1[%[[WHOLE]]], %[[M]]
// CHECK: arith.mulf
// CHECK: vector.maskedstore %arg2[%[[WHOLE]]], %[[M]], %{{.*}}
// CHECK-NOT: math.exp
// CHECK: return

// A row broadcast keeps two dimensions: a loop over rows, and 8 lanes over the row of 8
// (lanes shrink to fit; every step is whole, so no mask); the bias is read in row 0.
// Booleans are bytes in memory and i1 inside; the splat constant is broadcast.
// CHECK-LABEL: func.func @bias_mask_k0(%arg0: memref<?x8xf32>, %arg1: memref<1x8xf32>, %arg2: memref<?x8xf32>, %arg3: memref<?x8xi8>)
// CHECK: scf.for %[[I:.*]] =
// CHECK: scf.for %[[J2:.*]] =
// CHECK-NOT: vector.create_mask
// CHECK: vector.load %arg0[%[[I]], %[[J2]]] : memref<?x8xf32>, vector<8xf32>
// CHECK: vector.load %arg1[%c0, %[[J2]]]
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: %[[S:.*]] = arith.addf
// CHECK: %[[G:.*]] = arith.cmpf ogt, %[[S]]
// CHECK: vector.store %[[S]], %arg2[%[[I]], %[[J2]]]
// CHECK: %[[BYTE:.*]] = arith.extui %[[G]] : vector<8xi1> to vector<8xi8>
// CHECK: vector.store %[[BYTE]], %arg3[%[[I]], %[[J2]]]

// A long chain (17 tanh: critical path past 256) runs in stages over tiles of 16 steps:
// each stage is a loop over the tile's steps, one tanh each; the value passed from one
// stage to the next waits in a tile buffer on the stack, one buffer reused by every stage
// (each step reads it before it writes it). Only the first stage loads the input and only
// the last stores the result (masked: the length is dynamic); the stages between touch
// no memory but the tile, and make no mask.
// CHECK-LABEL: func.func @chain_k0(%arg0: memref<?xf32>, %arg1: memref<?xf32>)
// CHECK: %[[TILE:.*]] = memref.alloca() : memref<256xf32>
// CHECK-NOT: memref.alloca
// CHECK: %[[N:.*]] = memref.dim %arg1
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[N]] step %c256
// CHECK: %[[END:.*]] = arith.minui %[[N]],
// CHECK: scf.for %[[J:.*]] = %[[T]] to %[[END]] step %c16
// CHECK: %[[AT:.*]] = arith.subi %[[J]], %[[T]]
// CHECK: vector.create_mask
// CHECK: vector.maskedload %arg0[%[[J]]]
// CHECK: vector.store %{{.*}}, %[[TILE]][%[[AT]]] : memref<256xf32>, vector<16xf32>
// CHECK: scf.for %[[J2:.*]] = %[[T]] to %[[END]] step %c16
// CHECK-NEXT: %[[AT2:.*]] = arith.subi %[[J2]], %[[T]]
// CHECK-NEXT: vector.load %[[TILE]][%[[AT2]]]
// CHECK-NOT: vector.create_mask
// CHECK: vector.store %{{.*}}, %[[TILE]][%[[AT2]]]
// CHECK: vector.maskedstore %arg1[
// CHECK-NOT: vector.maskedstore
// CHECK: return
