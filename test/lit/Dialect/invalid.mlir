// The verifier reports what the shared shape rules refuse, on the op's location. MLIR's
// type-inference verifier then adds "failed to infer returned types" on the same op.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'kiln.add' op shapes (2, 3) and (4,) do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @dtype_mismatch(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+2 {{'kiln.multiply' op dtypes differ: f32 vs i32 (cast one operand)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.multiply %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return
}

// -----

func.func @wrong_result_type(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'kiln.less' op inferred type(s) 'tensor<3xi1>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.less %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @floating_only(%a: tensor<3xi32>) {
  // expected-error @+2 {{'kiln.exp' op needs a floating dtype (f32 or f64), got i32}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.exp %a : (tensor<3xi32>) -> tensor<3xi32>
  return
}

// -----

func.func @axis_out_of_range(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{'kiln.softmax' op axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.softmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axes_out_of_range(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{'kiln.sum' op axis 5 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.sum %a {axes = array<i64: 5>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_axes_not_normalized(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{'kiln.max' op axes must be sorted and non-negative, got [1, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.max %a {axes = array<i64: 1, 0>, keepdims = false} : (tensor<2x3xf32>) -> tensor<f32>
  return
}

// -----

func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{'kiln.matmul' op inner dimensions disagree: 3 vs 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'kiln.matmul' op operands need rank >= 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<3xf32>, tensor<3x5xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{'kiln.reshape' op cannot reshape 6 elements into (4,)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reshape %a {shape = array<i64: 4>} : (tensor<2x3xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @unsupported_element(%a: tensor<3xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = kiln.negative %a : (tensor<3xi8>) -> tensor<3xi8>
  return
}

// -----

func.func @cast_shape(%a: tensor<3xf32>) {
  // expected-error @+1 {{'kiln.cast' op result shape must equal the operand's}}
  %0 = kiln.cast %a : (tensor<3xf32>) -> tensor<4xi32>
  return
}

// -----

func.func @cond_branches_differ(%p: tensor<i1>, %x: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'kiln.cond' op the values yielded by the else region ('tensor<4xi32>') must have the types ('tensor<4xf32>')}}
  %r = kiln.cond %p : tensor<i1> -> (tensor<4xf32>) {
    kiln.yield %x : tensor<4xf32>
  } else {
    kiln.yield %y : tensor<4xi32>
  }
  return
}

// -----

func.func @cond_pred_rank(%p: tensor<2xi1>, %x: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be 0D tensor of 1-bit signless integer values}}
  %r = kiln.cond %p : tensor<2xi1> -> (tensor<4xf32>) {
    kiln.yield %x : tensor<4xf32>
  } else {
    kiln.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @while_cond_yield(%x: tensor<4xf32>) {
  // expected-error @+1 {{'kiln.while_loop' op the value yielded by the cond region ('tensor<4xf32>') must have the types ('tensor<i1>')}}
  %r = kiln.while_loop(%x) : (tensor<4xf32>) -> (tensor<4xf32>) {
  ^bb0(%v: tensor<4xf32>):
    kiln.yield %v : tensor<4xf32>
  } do {
  ^bb0(%v: tensor<4xf32>):
    kiln.yield %v : tensor<4xf32>
  }
  return
}

// -----

func.func @for_range_args(%n: tensor<i64>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'kiln.for_range' op the body arguments (the index, then the carried values) ('tensor<4xf32>') must have the types ('tensor<i64>', 'tensor<4xf32>')}}
  %r = kiln.for_range %n iter(%x) : (tensor<i64>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%v: tensor<4xf32>):
    kiln.yield %v : tensor<4xf32>
  }
  return
}

// -----

func.func @random_dynamic_without_sizes(%k: tensor<2xi64>) {
  // expected-error @+2 {{'kiln.random_uniform' op a dynamic dimension needs its size at run time (the dims operand), got (?, 3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.random_uniform %k {shape = array<i64: -1, 3>, lo = 0.0 : f64, hi = 1.0 : f64, dtype = f32} : (tensor<2xi64>) -> tensor<?x3xf32>
  return
}

// -----

func.func @random_bad_key(%k: tensor<3xi64>) {
  // expected-error @+2 {{'kiln.random_normal' op the key must be an i64 tensor of shape (2) (seed, counter), got i64 (3,)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.random_normal %k {shape = array<i64: 2>, mean = 0.0 : f64, stddev = 1.0 : f64, dtype = f32} : (tensor<3xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @random_int_empty_range(%k: tensor<2xi64>) {
  // expected-error @+2 {{'kiln.random_int' op needs lo < hi}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.random_int %k {shape = array<i64: 2>, lo = 3 : i64, hi = -3 : i64, dtype = i64} : (tensor<2xi64>) -> tensor<2xi64>
  return
}

// -----

func.func @cumsum_of_booleans(%x: tensor<4xi1>) {
  // expected-error @+2 {{'kiln.cumsum' op boolean input is not supported; cast it first}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.cumsum %x {axis = 0 : i64, reverse = false} : (tensor<4xi1>) -> tensor<4xi1>
  return
}

// -----

func.func @mean_of_integers(%a: tensor<3xi32>) {
  // expected-error @+2 {{'kiln.all_reduce' op the mean of a i32 tensor: reduce with sum and divide, choosing the rounding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.all_reduce %a {group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<3xi32>) -> tensor<3xi32>
  return
}

// -----

func.func @unknown_reduction(%a: tensor<3xf32>) {
  // expected-error @+2 {{'kiln.all_reduce' op reduce must be sum, mean, max or min, got 'prod'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.all_reduce %a {group = "world", group_size = 2 : i64, reduce = "prod"} : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @root_outside_the_group(%a: tensor<3xf32>) {
  // expected-error @+2 {{'kiln.collective_broadcast' op root 2 is not a rank of a group of 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.collective_broadcast %a {group = "world", group_size = 2 : i64, root = 2 : i64} : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @gather_result_shape(%a: tensor<3xf32>) {
  // expected-error @+2 {{'kiln.all_gather' op inferred type(s) 'tensor<6xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.all_gather %a {group = "world", group_size = 2 : i64} : (tensor<3xf32>) -> tensor<3xf32>
  return
}
