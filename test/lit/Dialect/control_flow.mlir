// kiln.cond, kiln.while_loop and kiln.for_range print, parse and verify.
// RUN: kiln-opt %s | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @cond
func.func @cond(%p: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[R:.*]] = kiln.cond %{{.*}} : tensor<i1> -> (tensor<4xf32>) {
  // CHECK-NEXT: kiln.exp
  // CHECK-NEXT: kiln.yield %{{.*}} : tensor<4xf32>
  // CHECK-NEXT: } else {
  // CHECK-NEXT: kiln.negative
  // CHECK-NEXT: kiln.yield %{{.*}} : tensor<4xf32>
  // CHECK-NEXT: }
  %r = kiln.cond %p : tensor<i1> -> (tensor<4xf32>) {
    %e = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %e : tensor<4xf32>
  } else {
    %n = kiln.negative %x : (tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %n : tensor<4xf32>
  }
  // CHECK: return %[[R]]
  return %r : tensor<4xf32>
}

// A cond without results (only effects inside).
// CHECK-LABEL: func.func @cond_effects
func.func @cond_effects(%p: tensor<i1>, %x: tensor<4xf32>) {
  // CHECK: kiln.cond %{{.*}} : tensor<i1> {
  // CHECK: kiln.print
  // CHECK: kiln.yield
  // CHECK: } else {
  kiln.cond %p : tensor<i1> {
    kiln.print %x {label = "then"} : tensor<4xf32>
    kiln.yield
  } else {
    kiln.yield
  }
  return
}

// CHECK-LABEL: func.func @while_loop
func.func @while_loop(%i0: tensor<i64>, %x: tensor<?xf32>) -> (tensor<i64>, tensor<?xf32>) {
  %ten = kiln.constant dense<10> : tensor<i64>
  %one = kiln.constant dense<1> : tensor<i64>
  // CHECK: kiln.while_loop(%{{.*}}, %{{.*}}) : (tensor<i64>, tensor<?xf32>) -> (tensor<i64>, tensor<?xf32>) {
  // CHECK-NEXT: ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<?xf32>):
  // CHECK-NEXT: kiln.less
  // CHECK-NEXT: kiln.yield %{{.*}} : tensor<i1>
  // CHECK-NEXT: } do {
  // CHECK-NEXT: ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<?xf32>):
  // CHECK: kiln.yield %{{.*}}, %{{.*}} : tensor<i64>, tensor<?xf32>
  %r:2 = kiln.while_loop(%i0, %x) : (tensor<i64>, tensor<?xf32>) -> (tensor<i64>, tensor<?xf32>) {
  ^bb0(%i: tensor<i64>, %v: tensor<?xf32>):
    %c = kiln.less %i, %ten : (tensor<i64>, tensor<i64>) -> tensor<i1>
    kiln.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i64>, %v: tensor<?xf32>):
    %n = kiln.add %i, %one : (tensor<i64>, tensor<i64>) -> tensor<i64>
    %t = kiln.tanh %v : (tensor<?xf32>) -> tensor<?xf32>
    kiln.yield %n, %t : tensor<i64>, tensor<?xf32>
  }
  return %r#0, %r#1 : tensor<i64>, tensor<?xf32>
}

// CHECK-LABEL: func.func @for_range
func.func @for_range(%n: tensor<i64>, %acc: tensor<3xi64>) -> tensor<3xi64> {
  // CHECK: kiln.for_range %{{.*}} iter(%{{.*}}) : (tensor<i64>, tensor<3xi64>) -> tensor<3xi64> {
  // CHECK-NEXT: ^bb0(%[[I:.*]]: tensor<i64>, %[[A:.*]]: tensor<3xi64>):
  // CHECK-NEXT: kiln.add %[[A]], %[[I]] : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %r = kiln.for_range %n iter(%acc) : (tensor<i64>, tensor<3xi64>) -> tensor<3xi64> {
  ^bb0(%i: tensor<i64>, %a: tensor<3xi64>):
    %s = kiln.add %a, %i : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
    kiln.yield %s : tensor<3xi64>
  }
  return %r : tensor<3xi64>
}
