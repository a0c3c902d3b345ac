// kiln-lower-kernels: an outlined kernel down to the LLVM dialect. Kernels arrive with
// their f32 functions as arith code (runtime/math_algorithms.h); the math ops left are C
// library calls: f32 sin of a vector (the huge-argument fallback) LLVM's sin intrinsic,
// which the backend makes one sinf call per lane, and f64 tanh one tanh per element. Masked vector loads and stores become LLVM's intrinsics.
// RUN: kiln-opt %s --kiln-lower-kernels | FileCheck %s

// CHECK-NOT: math.
// CHECK-NOT: vector.
// CHECK-NOT: scf.
// CHECK-LABEL: llvm.func @k0(
// CHECK: llvm.intr.masked.load
// CHECK: llvm.intr.sin({{.*}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: llvm.fmul
// CHECK: llvm.intr.masked.store
// CHECK-LABEL: llvm.func @_mlir_ciface_k0(
// CHECK-LABEL: llvm.func @k64(
// CHECK: llvm.call @tanh(
func.func @k0(%a: memref<?xf32>, %out: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.for %j = %c0 to %n step %c8 {
    %rem = arith.subi %n, %j : index
    %m = vector.create_mask %rem : vector<8xi1>
    %zero = arith.constant dense<0.0> : vector<8xf32>
    %x = vector.maskedload %a[%j], %m, %zero : memref<?xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
    %s = math.sin %x : vector<8xf32>
    %t = arith.mulf %s, %x : vector<8xf32>
    vector.maskedstore %out[%j], %m, %t : memref<?xf32>, vector<8xi1>, vector<8xf32>
  }
  return
}
func.func @k64(%a: memref<?xf64>, %out: memref<?xf64>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?xf64>
  scf.for %j = %c0 to %n step %c1 {
    %x = memref.load %a[%j] : memref<?xf64>
    %t = math.tanh %x : f64
    memref.store %t, %out[%j] : memref<?xf64>
  }
  return
}
