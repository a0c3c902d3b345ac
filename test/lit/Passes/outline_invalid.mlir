// The outlining passes refuse fusions they cannot compile, with an error on the fusion
// (or the op) and a failed pass, never a kernel that computes something else.
// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-outline-fusions
// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-outline-gpu-kernels

func.func @rows_without_reduction(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{a rows fusion needs a reduction}}
  %0 = kiln.fusion "rows"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>):
    %1 = kiln.exp %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
    kiln.yield %1 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @loop_with_a_reduction(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  %0 = kiln.fusion "loop"(%x) : (tensor<4x8xf32>) -> tensor<4x1xf32> {
  ^bb0(%a: tensor<4x8xf32>):
    // expected-error @+1 {{'kiln.sum' op has no scalar lowering inside a fusion}}
    %1 = kiln.sum %a {axes = array<i64: 1>, keepdims = true} : (tensor<4x8xf32>) -> tensor<4x1xf32>
    kiln.yield %1 : tensor<4x1xf32>
  }
  return %0 : tensor<4x1xf32>
}
