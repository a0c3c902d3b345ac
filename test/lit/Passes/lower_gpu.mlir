// kiln-lower-gpu-all-reduce: a row kernel's block reduction (gpu.all_reduce) becomes warp
// shuffles, a workgroup buffer of one value per warp and barriers; then the whole
// kiln-lower-gpu-kernels pipeline turns the gpu.module into a gpu.binary of PTX text for
// sm_90, all in process (no GPU, no toolkit needed).
// RUN: kiln-opt %s --pass-pipeline='builtin.module(gpu.module(kiln-lower-gpu-all-reduce))' | FileCheck %s
// RUN: kiln-opt %s --kiln-lower-gpu-kernels | FileCheck %s --check-prefix=PTX

// CHECK-LABEL: gpu.func @row_sum
// CHECK-SAME: workgroup(%[[BUF:.*]] : memref<32xf32, #gpu.address_space<workgroup>>)
// CHECK: gpu.shuffle  xor
// CHECK: arith.addf
// CHECK: memref.store {{.*}}, %[[BUF]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[BUF]]
// CHECK-NOT: gpu.all_reduce

// PTX-NOT: gpu.module
// PTX: gpu.binary @kiln_gpu
// PTX-SAME: chip = "sm_90"
// PTX-SAME: .target sm_90
// PTX-SAME: .entry row_sum
// PTX-SAME: shfl.sync.bfly.b32
// PTX-SAME: bar.sync
module attributes {gpu.container_module} {
  gpu.module @kiln_gpu {
    gpu.func @row_sum(%in: memref<?xf32>, %out: memref<?xf32>) kernel {
      %tid = gpu.thread_id x
      %v = memref.load %in[%tid] : memref<?xf32>
      %s = gpu.all_reduce add %v uniform {} : (f32) -> f32
      %c0 = arith.constant 0 : index
      memref.store %s, %out[%c0] : memref<?xf32>
      gpu.return
    }
  }
}
