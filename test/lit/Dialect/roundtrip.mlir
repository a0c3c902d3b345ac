// Every kiln op prints and parses back to itself (twice through, so the printed form
// is a fixed point), and verifies.
// RUN: kiln-opt %s | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x3xi1>, %i: tensor<?x3xi32>) {
  // CHECK: %[[K:.*]] = kiln.constant dense<1.000000e+00> : tensor<3xf32>
  %k = kiln.constant dense<1.0> : tensor<3xf32>
  // CHECK: kiln.add %{{.*}}, %[[K]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = kiln.add %a, %k : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.subtract {{.*}} -> tensor<2x3xf32>
  %1 = kiln.subtract %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.multiply
  %2 = kiln.multiply %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.divide
  %3 = kiln.divide %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.pow
  %4 = kiln.pow %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.maximum
  %5 = kiln.maximum %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.minimum
  %6 = kiln.minimum %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.equal {{.*}} -> tensor<2x3xi1>
  %7 = kiln.equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.not_equal
  %8 = kiln.not_equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.less
  %9 = kiln.less %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.less_equal
  %10 = kiln.less_equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.greater
  %11 = kiln.greater %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.greater_equal
  %12 = kiln.greater_equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: kiln.logical_and
  %13 = kiln.logical_and %c, %7 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.logical_or
  %14 = kiln.logical_or %c, %7 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.negative %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %15 = kiln.negative %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.abs
  %16 = kiln.abs %i : (tensor<?x3xi32>) -> tensor<?x3xi32>
  // CHECK: kiln.relu
  %17 = kiln.relu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.exp
  %18 = kiln.exp %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.log
  %19 = kiln.log %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.sqrt
  %20 = kiln.sqrt %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.rsqrt
  %21 = kiln.rsqrt %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.tanh
  %22 = kiln.tanh %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.sigmoid
  %23 = kiln.sigmoid %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.gelu
  %24 = kiln.gelu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.sin
  %25 = kiln.sin %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.cos
  %26 = kiln.cos %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.erf
  %27 = kiln.erf %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.logical_not %{{.*}} : (tensor<2x3xi1>) -> tensor<2x3xi1>
  %28 = kiln.logical_not %c : (tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %29 = kiln.where %c, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.cast %{{.*}} : (tensor<?x3xi32>) -> tensor<?x3xf64>
  %30 = kiln.cast %i : (tensor<?x3xi32>) -> tensor<?x3xf64>
  return
}

// CHECK-LABEL: func.func @reductions_and_shapes
func.func @reductions_and_shapes(%a: tensor<2x3x4xf32>, %d: tensor<?x4xf32>, %idx: tensor<5xi64>) {
  // CHECK: kiln.sum %{{.*}} {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %0 = kiln.sum %a {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  // CHECK: kiln.mean {{.*}} -> tensor<2x1x4xf32>
  %1 = kiln.mean %a {axes = array<i64: 1>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  // CHECK: kiln.max {{.*}} -> tensor<?xf32>
  %2 = kiln.max %d {axes = array<i64: 1>, keepdims = false} : (tensor<?x4xf32>) -> tensor<?xf32>
  // CHECK: kiln.min {{.*}} -> tensor<4xf32>
  %3 = kiln.min %d {axes = array<i64: 0>, keepdims = false} : (tensor<?x4xf32>) -> tensor<4xf32>
  // CHECK: kiln.argmax {{.*}} {axis = 2 : i64, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
  %4 = kiln.argmax %a {axis = 2 : i64, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
  // CHECK: kiln.argmin {{.*}} {axis = 1 : i64, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  %a4 = kiln.argmin %a {axis = 1 : i64, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  // CHECK: kiln.cumsum {{.*}} {axis = 2 : i64, reverse = true} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %c4 = kiln.cumsum %a {axis = 2 : i64, reverse = true} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: kiln.reshape {{.*}} {shape = array<i64: 6, 4>} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %5 = kiln.reshape %a {shape = array<i64: 6, 4>} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK: kiln.reshape {{.*}} -> tensor<?xf32>
  %6 = kiln.reshape %d {shape = array<i64: -1>} : (tensor<?x4xf32>) -> tensor<?xf32>
  // CHECK: kiln.transpose {{.*}} {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %7 = kiln.transpose %a {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK: kiln.broadcast_to {{.*}} -> tensor<5x2x3x4xf32>
  %8 = kiln.broadcast_to %a {shape = array<i64: 5, 2, 3, 4>} : (tensor<2x3x4xf32>) -> tensor<5x2x3x4xf32>
  // CHECK: kiln.expand_dims {{.*}} -> tensor<2x1x3x4xf32>
  %9 = kiln.expand_dims %a {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x3x4xf32>
  // CHECK: kiln.squeeze {{.*}} {axes = array<i64: 1>} : (tensor<2x1x3x4xf32>) -> tensor<2x3x4xf32>
  %10 = kiln.squeeze %9 {axes = array<i64: 1>} : (tensor<2x1x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: kiln.slice {{.*}} -> tensor<1x2x4xf32>
  %11 = kiln.slice %a {begin = array<i64: 1, 0, 0>, end = array<i64: 2, 2, 4>} : (tensor<2x3x4xf32>) -> tensor<1x2x4xf32>
  // CHECK: kiln.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<2x3x4xf32>, tensor<1x3x4xf32>) -> tensor<3x3x4xf32>
  %c = kiln.slice %a {begin = array<i64: 0, 0, 0>, end = array<i64: 1, 3, 4>} : (tensor<2x3x4xf32>) -> tensor<1x3x4xf32>
  %12 = kiln.concat %a, %c {axis = 0 : i64} : (tensor<2x3x4xf32>, tensor<1x3x4xf32>) -> tensor<3x3x4xf32>
  // CHECK: kiln.concat {{.*}} -> tensor<?x4xf32>
  %13 = kiln.concat %d, %d {axis = 0 : i64} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  // CHECK: kiln.gather {{.*}} -> tensor<2x5x4xf32>
  %14 = kiln.gather %a, %idx {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x5x4xf32>
  // CHECK: kiln.one_hot {{.*}} {depth = 7 : i64, dtype = f32} : (tensor<5xi64>) -> tensor<5x7xf32>
  %15 = kiln.one_hot %idx {depth = 7 : i64, dtype = f32} : (tensor<5xi64>) -> tensor<5x7xf32>
  return
}

// CHECK-LABEL: func.func @linalg_composites_random
func.func @linalg_composites_random(%a: tensor<8x?x3xf32>, %w: tensor<3x5xf32>, %g: tensor<5xf32>, %y: tensor<8x?xi32>, %k: tensor<2xi64>) {
  // CHECK: kiln.matmul {{.*}} : (tensor<8x?x3xf32>, tensor<3x5xf32>) -> tensor<8x?x5xf32>
  %0 = kiln.matmul %a, %w : (tensor<8x?x3xf32>, tensor<3x5xf32>) -> tensor<8x?x5xf32>
  // CHECK: kiln.softmax {{.*}} {axis = -1 : i64}
  %1 = kiln.softmax %0 {axis = -1 : i64} : (tensor<8x?x5xf32>) -> tensor<8x?x5xf32>
  // CHECK: kiln.log_softmax
  %2 = kiln.log_softmax %0 {axis = 1 : i64} : (tensor<8x?x5xf32>) -> tensor<8x?x5xf32>
  // CHECK: kiln.layer_norm {{.*}} {eps = 1.000000e-05 : f64}
  %3 = kiln.layer_norm %0, %g, %g {eps = 1.0e-5 : f64} : (tensor<8x?x5xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<8x?x5xf32>
  // CHECK: kiln.softmax_cross_entropy {{.*}} -> tensor<8x?xf32>
  %4 = kiln.softmax_cross_entropy %0, %y : (tensor<8x?x5xf32>, tensor<8x?xi32>) -> tensor<8x?xf32>
  // CHECK: kiln.random_uniform %{{.*}} {dtype = f32, hi = 1.000000e+00 : f64, lo = 0.000000e+00 : f64, shape = array<i64: 2, 2>} : (tensor<2xi64>) -> tensor<2x2xf32>
  %5 = kiln.random_uniform %k {shape = array<i64: 2, 2>, lo = 0.0 : f64, hi = 1.0 : f64, dtype = f32} : (tensor<2xi64>) -> tensor<2x2xf32>
  // CHECK: kiln.random_normal {{.*}} -> tensor<3xf64>
  %6 = kiln.random_normal %k {shape = array<i64: 3>, mean = 0.0 : f64, stddev = 2.0 : f64, dtype = f64} : (tensor<2xi64>) -> tensor<3xf64>
  // CHECK: kiln.random_int {{.*}} {dtype = i32, hi = 10 : i64, lo = -3 : i64, shape = array<i64: 4>} : (tensor<2xi64>) -> tensor<4xi32>
  %7 = kiln.random_int %k {shape = array<i64: 4>, lo = -3 : i64, hi = 10 : i64, dtype = i32} : (tensor<2xi64>) -> tensor<4xi32>
  return
}

// CHECK-LABEL: func.func @random_dynamic
func.func @random_dynamic(%k: tensor<2xi64>, %d: tensor<2xi64>) -> tensor<?x3xf32> {
  // CHECK: kiln.random_uniform %{{.*}}, %{{.*}} {{.*}} : (tensor<2xi64>, tensor<2xi64>) -> tensor<?x3xf32>
  %0 = kiln.random_uniform %k, %d {shape = array<i64: -1, 3>, lo = 0.0 : f64, hi = 1.0 : f64, dtype = f32} : (tensor<2xi64>, tensor<2xi64>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// CHECK-LABEL: func.func @effects
func.func @effects(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: %[[V:.*]] = kiln.read_variable {index = 0 : i64} : tensor<2xf32>
  %v = kiln.read_variable {index = 0 : i64} : tensor<2xf32>
  // CHECK: kiln.print %[[V]] {label = "v"} : tensor<2xf32>
  kiln.print %v {label = "v"} : tensor<2xf32>
  // CHECK: kiln.assign_variable %{{.*}} {index = 0 : i64} : tensor<2xf32>
  kiln.assign_variable %x {index = 0 : i64} : tensor<2xf32>
  return %v : tensor<2xf32>
}
