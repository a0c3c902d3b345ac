// kiln-outline-gpu-kernels: a loop fusion becomes a CUDA kernel in gpu.module @kiln_gpu:
// one thread per element of the collapsed space (bounds-checked), coordinates from the
// flat index, a broadcast operand read at index 0, booleans stored as bytes. An output
// fusion's kernel is its epilogue (the product comes from cuBLAS).
// A row fusion becomes one thread block per row: threads stride over the row, the
// block combines their partial reductions with gpu.all_reduce, values of earlier phases
// are recomputed (no buffers).
// RUN: kiln-opt %s --kiln-decompose-composites --kiln-fuse-rows --kiln-fuse-elementwise --kiln-fuse-outputs --kiln-outline-gpu-kernels | FileCheck %s

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @bias_mask(
// CHECK: kiln.fusion "loop"(%arg0, %arg1) {kernel = @bias_mask_g0}
func.func @bias_mask(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xi1>, tensor<4x8xf32>) {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %0 = kiln.add %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = kiln.greater %0, %zero : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi1>
  return %1, %0 : tensor<4x8xi1>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @dense(
// CHECK: kiln.fusion "output"(%arg0, %arg1, %arg2) {kernel = @dense_g0}
func.func @dense(%x: tensor<64x32xf32>, %w: tensor<32x16xf32>, %b: tensor<16xf32>) -> tensor<64x16xf32> {
  %0 = kiln.matmul %x, %w : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
  %1 = kiln.add %0, %b : (tensor<64x16xf32>, tensor<16xf32>) -> tensor<64x16xf32>
  %2 = kiln.relu %1 : (tensor<64x16xf32>) -> tensor<64x16xf32>
  return %2 : tensor<64x16xf32>
}

// CHECK-LABEL: func.func @softmax(
// CHECK: kiln.fusion "rows"(%arg0) {kernel = @softmax_g0}
func.func @softmax(%x: tensor<4x20xf32>) -> tensor<4x20xf32> {
  %0 = kiln.softmax %x {axis = 1 : i64} : (tensor<4x20xf32>) -> tensor<4x20xf32>
  return %0 : tensor<4x20xf32>
}

// CHECK: gpu.module @kiln_gpu
// CHECK-LABEL: gpu.func @bias_mask_g0(%arg0: memref<?x8xf32>, %arg1: memref<1x8xf32>, %arg2: memref<?x8xf32>, %arg3: memref<?x8xi8>) kernel
// CHECK: %[[BID:.*]] = gpu.block_id x
// CHECK: %[[BDIM:.*]] = gpu.block_dim x
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BASE:.*]] = arith.muli %[[BID]], %[[BDIM]]
// CHECK: %[[I:.*]] = arith.addi %[[BASE]], %[[TID]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[I]]
// CHECK: scf.if %[[IN]] {
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %{{.*}}
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %{{.*}}
// CHECK: memref.load %arg0[%[[ROW]], %[[COL]]]
// CHECK: memref.load %arg1[%c0, %[[COL]]]
// CHECK: %[[S:.*]] = arith.addf
// CHECK: %[[G:.*]] = arith.cmpf ogt, %[[S]]
// CHECK: memref.store %[[S]], %arg2[%[[ROW]], %[[COL]]]
// CHECK: %[[BYTE:.*]] = arith.extui %[[G]] : i1 to i8
// CHECK: memref.store %[[BYTE]], %arg3[%[[ROW]], %[[COL]]]
// CHECK: gpu.return
// CHECK-LABEL: gpu.func @dense_g0(%arg0: memref<?x16xf32>, %arg1: memref<1x16xf32>, %arg2: memref<?x16xf32>) kernel
// CHECK-NOT: kiln.matmul
// CHECK: arith.addf
// CHECK: arith.select
// CHECK-LABEL: gpu.func @softmax_g0(%arg0: memref<?x20xf32>, %arg1: memref<?x20xf32>) kernel
// CHECK: %[[ROW:.*]] = gpu.block_id x
// CHECK: %[[T:.*]] = gpu.thread_id x
// CHECK: %[[NT:.*]] = gpu.block_dim x
// CHECK: %[[PMAX:.*]] = scf.for %[[J:.*]] = %[[T]] to %c20 step %[[NT]]
// CHECK: memref.load %arg0[%[[ROW]], %[[J]]]
// CHECK: arith.maximumf
// CHECK: %[[MAX:.*]] = gpu.all_reduce maximumf %[[PMAX]] uniform
// CHECK: %[[PSUM:.*]] = scf.for
// CHECK: math.fma
// CHECK: %[[SUM:.*]] = gpu.all_reduce add %[[PSUM]] uniform
// CHECK: scf.for %[[J2:.*]] = %[[T]] to %c20 step %[[NT]]
// CHECK: math.fma
// CHECK: arith.divf {{.*}}, %[[SUM]]
// CHECK: memref.store {{.*}}, %arg1[%[[ROW]], %[[J2]]]
