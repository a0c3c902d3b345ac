// kiln-decompose-composites and kiln-fuse-rows: W5's layer_norm(softmax(x)) becomes
// reductions over the last axis and elementwise ops, all in one kiln.fusion "rows"; its
// kernel walks each row in phases (one per reduction the next values depend on), each a
// vector loop with masked loads and stores and per-lane accumulators.
// RUN: kiln-opt %s --kiln-decompose-composites --kiln-fuse-rows --kiln-fuse-elementwise | FileCheck %s --check-prefix=FUSE
// RUN: kiln-opt %s --kiln-decompose-composites --kiln-fuse-rows --kiln-fuse-elementwise --kiln-outline-fusions | FileCheck %s --check-prefix=KERNEL

// A row of 20: 32 lanes (two registers per value), the step masked at the row's end;
// masked-off lanes add the identity to the sum.
// KERNEL-LABEL: func.func @ragged_k0(%arg0: memref<?x20xf32>, %arg1: memref<?x20xf32>)
// KERNEL: %[[M:.*]] = vector.create_mask {{.*}} : vector<32xi1>
// KERNEL: %[[X:.*]] = vector.maskedload %arg0[{{.*}}], %[[M]]
// KERNEL: arith.select %[[M]], %[[X]], {{.*}} : vector<32xi1>, vector<32xf32>
// KERNEL: vector.reduction <maximumf>
// KERNEL: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<?x20xf32>, vector<32xi1>, vector<32xf32>
func.func @ragged(%x: tensor<4x20xf32>) -> tensor<4x20xf32> {
  %0 = kiln.softmax %x {axis = 1 : i64} : (tensor<4x20xf32>) -> tensor<4x20xf32>
  return %0 : tensor<4x20xf32>
}

// The row max shifts the row unless it is infinite (then 0, as the eager kernel does).
// FUSE-LABEL: func.func @w5
// FUSE: %[[F:.*]] = kiln.fusion "rows"(%arg0, %arg1, %arg2)
// FUSE: %[[M:.*]] = kiln.max {{.*}} {axes = array<i64: 1>, keepdims = true}
// FUSE-NEXT: %[[A:.*]] = kiln.abs %[[M]]
// FUSE-NEXT: %[[FIN:.*]] = kiln.less %[[A]]
// FUSE-NEXT: %[[S:.*]] = kiln.where %[[FIN]], %[[M]]
// FUSE-NEXT: kiln.subtract %arg3, %[[S]]
// FUSE: %[[E:.*]] = kiln.exp
// FUSE: %[[T:.*]] = kiln.sum %[[E]]
// FUSE: %[[SM:.*]] = kiln.divide %[[E]], %[[T]]
// The softmax row's mean is taken of e and divided by its sum (no pass over the row).
// FUSE: %[[ME:.*]] = kiln.mean %[[E]]
// FUSE-NEXT: kiln.divide %[[ME]], %[[T]] : (tensor<8x1xf32>, tensor<8x1xf32>)
// FUSE: kiln.mean
// FUSE: kiln.rsqrt
// FUSE: kiln.yield
// FUSE-NEXT: }
// FUSE-NEXT: return %[[F]]
// FUSE-NOT: kiln.softmax
// FUSE-NOT: kiln.layer_norm

// Four phases over a row: max; exp, its sum and mean; divide, center and variance; scale.
// KERNEL-LABEL: func.func @w5_k0(%arg0: memref<?x16xf32>, %arg1: memref<1x16xf32>, %arg2: memref<1x16xf32>, %arg3: memref<?x16xf32>)
// KERNEL: memref.alloca() : memref<16xf32>
// KERNEL: scf.for %[[R:.*]] = %c0 to %{{.*}} step %c1 {
// KERNEL-NOT: vector.create_mask
// KERNEL: vector.load %arg0[%[[R]], %{{.*}}] : memref<?x16xf32>, vector<16xf32>
// KERNEL: arith.maximumf {{.*}} : vector<16xf32>
// KERNEL: vector.reduction <maximumf>
// Phase 1 asks for the next row of x and of the output while it computes exp.
// KERNEL: memref.prefetch %arg0[%{{.*}}, %{{.*}}], read, locality<3>, data
// KERNEL: memref.prefetch %arg3[%{{.*}}, %{{.*}}], write, locality<3>, data
// exp as the eager kernel computes it (runtime/math_algorithms.h): fmas, 2^n from bits.
// KERNEL-NOT: math.exp
// KERNEL: math.fma {{.*}} : vector<16xf32>
// KERNEL: arith.bitcast {{.*}} : vector<16xi32> to vector<16xf32>
// KERNEL: arith.addf {{.*}} fastmath<reassoc> : vector<16xf32>
// KERNEL: arith.addf {{.*}} fastmath<reassoc> : vector<16xf32>
// KERNEL: vector.reduction <add>
// KERNEL: vector.reduction <add>
// KERNEL: arith.divf
// KERNEL: arith.mulf
// KERNEL: arith.addf {{.*}} fastmath<reassoc> : vector<16xf32>
// KERNEL: math.sqrt
// KERNEL: scf.for
// KERNEL: vector.store {{.*}}, %arg3[%[[R]], %{{.*}}]
// KERNEL-NOT: scf.for

func.func @w5(%x: tensor<8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<8x16xf32> {
  %0 = kiln.softmax %x {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %1 = kiln.layer_norm %0, %g, %b {eps = 1.0e-5 : f64} : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return %1 : tensor<8x16xf32>
}

// Softmax over another axis keeps its runtime kernel; a sum without keepdims is no seed.
// FUSE-LABEL: func.func @not_rows
// FUSE: kiln.softmax {{.*}} {axis = 0 : i64}
// FUSE: kiln.sum {{.*}} keepdims = false
func.func @not_rows(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8xf32>) {
  %0 = kiln.softmax %x {axis = 0 : i64} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %1 = kiln.sum %x {axes = array<i64: 1>, keepdims = false} : (tensor<8x16xf32>) -> tensor<8xf32>
  return %0, %1 : tensor<8x16xf32>, tensor<8xf32>
}
