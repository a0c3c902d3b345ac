// Pure ops are CSE'd and dropped when dead; prints and variable writes are kept, in
// order, and never merged.
// RUN: kiln-opt %s -cse | FileCheck %s --check-prefix=CSE
// RUN: kiln-opt %s -canonicalize | FileCheck %s --check-prefix=DCE

// CSE-LABEL: func.func @duplicates
// CSE: %[[E:.*]] = kiln.exp %arg0
// CSE-NOT: kiln.exp
// CSE: %[[S:.*]] = kiln.add %[[E]], %[[E]]
// CSE: return %[[S]]
func.func @duplicates(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
  %2 = kiln.add %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// CSE-LABEL: func.func @effects_kept
// CSE-COUNT-2: kiln.print
// DCE-LABEL: func.func @effects_kept
// DCE-NOT: kiln.tanh
// DCE: %[[V:.*]] = kiln.read_variable {index = 0 : i64}
// DCE-NEXT: kiln.print %[[V]] {label = "a"}
// DCE-NEXT: %[[N:.*]] = kiln.add %[[V]]
// DCE-NEXT: kiln.assign_variable %[[N]] {index = 0 : i64}
// DCE-NEXT: %[[W:.*]] = kiln.read_variable {index = 0 : i64}
// DCE-NEXT: kiln.print %[[W]] {label = "b"}
// DCE-NEXT: kiln.print %[[W]] {label = "b"}
// DCE-NOT: kiln.read_variable
// DCE: return
func.func @effects_kept(%x: tensor<4xf32>) {
  %dead = kiln.tanh %x : (tensor<4xf32>) -> tensor<4xf32>
  %v = kiln.read_variable {index = 0 : i64} : tensor<4xf32>
  kiln.print %v {label = "a"} : tensor<4xf32>
  %one = kiln.constant dense<1.0> : tensor<4xf32>
  %n = kiln.add %v, %one : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  kiln.assign_variable %n {index = 0 : i64} : tensor<4xf32>
  %w = kiln.read_variable {index = 0 : i64} : tensor<4xf32>
  kiln.print %w {label = "b"} : tensor<4xf32>
  kiln.print %w {label = "b"} : tensor<4xf32>
  %unused = kiln.read_variable {index = 1 : i64} : tensor<4xf32>
  return
}

// A read after a write is not merged with the read before it.
// CSE-LABEL: func.func @reads_across_write
// CSE: kiln.read_variable
// CSE: kiln.assign_variable
// CSE: kiln.read_variable
func.func @reads_across_write(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = kiln.read_variable {index = 0 : i64} : tensor<4xf32>
  kiln.assign_variable %x {index = 0 : i64} : tensor<4xf32>
  %b = kiln.read_variable {index = 0 : i64} : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// A cond with only pure, unused results is dropped; one that prints is kept.
// DCE-LABEL: func.func @dead_cond
// DCE: kiln.cond
// DCE: kiln.print
// DCE-NOT: kiln.cond
// DCE: return
func.func @dead_cond(%p: tensor<i1>, %x: tensor<4xf32>) {
  kiln.cond %p : tensor<i1> {
    kiln.print %x {label = "kept"} : tensor<4xf32>
    kiln.yield
  } else {
    kiln.yield
  }
  %r = kiln.cond %p : tensor<i1> -> (tensor<4xf32>) {
    %e = kiln.exp %x : (tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %e : tensor<4xf32>
  } else {
    kiln.yield %x : tensor<4xf32>
  }
  return
}

// Collectives are ordered effects: identical ones are not merged, an unused one is not
// dropped, one of a constant is not folded, and their order stays.
// CSE-LABEL: func.func @collectives_kept
// CSE-COUNT-2: kiln.all_reduce %arg0 {group = "world", group_size = 2 : i64, reduce = "sum"}
// CSE: kiln.all_reduce {{.*}}reduce = "max"
// CSE: kiln.all_gather
// CSE: kiln.collective_broadcast
// DCE-LABEL: func.func @collectives_kept
// DCE: kiln.all_reduce %arg0
// DCE-NEXT: kiln.all_reduce %arg0
// DCE-NEXT: kiln.all_reduce {{.*}}reduce = "max"
// DCE-NEXT: kiln.all_gather %arg0 {group = "world", group_size = 2 : i64} : (tensor<4xf32>) -> tensor<8xf32>
// DCE-NEXT: kiln.collective_broadcast %arg0 {group = "world", group_size = 2 : i64, root = 1 : i64}
// DCE-NEXT: kiln.add
// DCE-NEXT: return
func.func @collectives_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = kiln.all_reduce %x {group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<4xf32>) -> tensor<4xf32>
  %b = kiln.all_reduce %x {group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<4xf32>) -> tensor<4xf32>
  %one = kiln.constant dense<1.0> : tensor<4xf32>
  %unused = kiln.all_reduce %one {group = "world", group_size = 2 : i64, reduce = "max"} : (tensor<4xf32>) -> tensor<4xf32>
  %g = kiln.all_gather %x {group = "world", group_size = 2 : i64} : (tensor<4xf32>) -> tensor<8xf32>
  %h = kiln.collective_broadcast %x {group = "world", group_size = 2 : i64, root = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  %s = kiln.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}
