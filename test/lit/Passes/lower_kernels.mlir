// kiln-lower-kernels: an outlined kernel down to the LLVM dialect. f32 tanh and erf become
// polynomials (no libm call), masked vector loads and stores become LLVM's masked
// intrinsics; f64 tanh stays a libm call (one per lane).
// RUN: kiln-opt %s --kiln-lower-kernels | FileCheck %s

// CHECK-NOT: math.
// CHECK-NOT: vector.
// CHECK-NOT: scf.
// CHECK-LABEL: llvm.func @k0(
// CHECK-NOT: llvm.call @tanhf
// CHECK-NOT: llvm.call @erff
// CHECK: llvm.intr.masked.load
// CHECK: llvm.fmul
// CHECK: llvm.intr.masked.store
// CHECK-LABEL: llvm.func @_mlir_ciface_k0(
// CHECK-LABEL: llvm.func @k64(
// CHECK: llvm.call @tanh(
func.func @k0(%a: memref<?xf32>, %out: memref<?xf32>, %out2: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.for %j = %c0 to %n step %c16 {
    %rem = arith.subi %n, %j : index
    %m = vector.create_mask %rem : vector<16xi1>
    %zero = arith.constant dense<0.0> : vector<16xf32>
    %x = vector.maskedload %a[%j], %m, %zero : memref<?xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
    %t = math.tanh %x : vector<16xf32>
    %e = math.erf %x : vector<16xf32>
    vector.maskedstore %out[%j], %m, %t : memref<?xf32>, vector<16xi1>, vector<16xf32>
    vector.maskedstore %out2[%j], %m, %e : memref<?xf32>, vector<16xi1>, vector<16xf32>
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
