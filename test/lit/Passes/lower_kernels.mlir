// kiln-lower-kernels: an outlined kernel down to the LLVM dialect. f32 tanh and erf become
// polynomials (no libm call, so LLVM can vectorize the loop); f64 tanh stays a libm call.
// RUN: kiln-opt %s --kiln-lower-kernels | FileCheck %s

// CHECK-NOT: math.
// CHECK-NOT: linalg.
// CHECK-LABEL: llvm.func @k0(
// CHECK-NOT: llvm.call @tanhf
// CHECK-NOT: llvm.call @erff
// CHECK: llvm.fmul
// CHECK-LABEL: llvm.func @_mlir_ciface_k0(
// CHECK-LABEL: llvm.func @k64(
// CHECK: llvm.call @tanh(
#id = affine_map<(d0) -> (d0)>
func.func @k0(%a: memref<?xf32>, %out: memref<?xf32>, %out2: memref<?xf32>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%a : memref<?xf32>) outs(%out, %out2 : memref<?xf32>, memref<?xf32>) {
  ^bb0(%x: f32, %o: f32, %o2: f32):
    %t = math.tanh %x : f32
    %e = math.erf %x : f32
    linalg.yield %t, %e : f32, f32
  }
  return
}
func.func @k64(%a: memref<?xf64>, %out: memref<?xf64>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : memref<?xf64>) outs(%out : memref<?xf64>) {
  ^bb0(%x: f64, %o: f64):
    %t = math.tanh %x : f64
    linalg.yield %t : f64
  }
  return
}
