// kiln-bucket-collectives: adjacent all-reductions with bucket_bytes, of one dtype, reduce,
// group and bucket size, packed into buckets of at most bucket_bytes in the order their
// operands are made; the rest left alone.
// RUN: kiln-opt %s -kiln-bucket-collectives | FileCheck %s

// Ten 256-byte gradients, 1024-byte buckets: ceil(2560 / 1024) = 3 collectives (4, 4, 2).
// CHECK-LABEL: func.func @many_small
// CHECK-COUNT-3: kiln.concat
// CHECK: kiln.all_reduce {{.*}} {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<256xf32>) -> tensor<256xf32>
// CHECK: kiln.all_reduce {{.*}} : (tensor<256xf32>) -> tensor<256xf32>
// CHECK: kiln.all_reduce {{.*}} : (tensor<128xf32>) -> tensor<128xf32>
// CHECK-NOT: kiln.all_reduce
// CHECK: return
func.func @many_small(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %0 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %1 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %2 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %3 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %4 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %5 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %6 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %7 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %8 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  %9 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "mean"} : (tensor<64xf32>) -> tensor<64xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// Gradients listed first layer first but made last layer first (%c before %b before %a):
// the buckets go in the order they are made. %a (4000 bytes) is larger than a bucket and
// goes alone. A bucket is packed as soon as its last member is made (so the plan can
// start its reduction there), its reduction stays where the run was, and each result is
// its slice, reshaped back.
// CHECK-LABEL: func.func @readiest_first
// CHECK: %[[C:.*]] = kiln.exp %arg2
// CHECK-NEXT: %[[B:.*]] = kiln.exp %arg1
// CHECK-NEXT: %[[FC:.*]] = kiln.reshape %[[C]] {shape = array<i64: 256>} : (tensor<4x64xf32>) -> tensor<256xf32>
// CHECK-NEXT: %[[FB:.*]] = kiln.reshape %[[B]] {shape = array<i64: 100>}
// CHECK-NEXT: %[[P:.*]] = kiln.concat %[[FC]], %[[FB]] {axis = 0 : i64} : (tensor<256xf32>, tensor<100xf32>) -> tensor<356xf32>
// CHECK-NEXT: %[[A:.*]] = kiln.exp %arg0
// CHECK-NEXT: %[[R:.*]] = kiln.all_reduce %[[P]] {{.*}} : (tensor<356xf32>) -> tensor<356xf32>
// CHECK-NEXT: %[[SC:.*]] = kiln.slice %[[R]] {begin = array<i64: 0>, end = array<i64: 256>}
// CHECK-NEXT: %[[RC:.*]] = kiln.reshape %[[SC]] {shape = array<i64: 4, 64>}
// CHECK-NEXT: %[[SB:.*]] = kiln.slice %[[R]] {begin = array<i64: 256>, end = array<i64: 356>}
// CHECK-NEXT: %[[RB:.*]] = kiln.reshape %[[SB]] {shape = array<i64: 100>}
// CHECK-NEXT: %[[RA:.*]] = kiln.all_reduce %[[A]] {{.*}} : (tensor<1000xf32>) -> tensor<1000xf32>
// CHECK-NEXT: return %[[RA]], %[[RB]], %[[RC]]
func.func @readiest_first(%a0: tensor<1000xf32>, %b0: tensor<100xf32>, %c0: tensor<4x64xf32>) -> (tensor<1000xf32>, tensor<100xf32>, tensor<4x64xf32>) {
  %c = kiln.exp %c0 : (tensor<4x64xf32>) -> tensor<4x64xf32>
  %b = kiln.exp %b0 : (tensor<100xf32>) -> tensor<100xf32>
  %a = kiln.exp %a0 : (tensor<1000xf32>) -> tensor<1000xf32>
  %ra = kiln.all_reduce %a {bucket_bytes = 2048 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<1000xf32>) -> tensor<1000xf32>
  %rb = kiln.all_reduce %b {bucket_bytes = 2048 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<100xf32>) -> tensor<100xf32>
  %rc = kiln.all_reduce %c {bucket_bytes = 2048 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<4x64xf32>) -> tensor<4x64xf32>
  return %ra, %rb, %rc : tensor<1000xf32>, tensor<100xf32>, tensor<4x64xf32>
}

// Left alone: a reduction without bucket_bytes, one of another dtype or group between (each
// run has one member), one separated by a print, one that reads another's result, and a
// dynamic shape.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: kiln.concat
// CHECK-COUNT-7: kiln.all_reduce
// CHECK-NOT: kiln.concat
// CHECK: return
func.func @left_alone(%x: tensor<8xf32>, %y: tensor<8xf64>, %d: tensor<?xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf64>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?xf32>) {
  %0 = kiln.all_reduce %x {group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<8xf32>) -> tensor<8xf32>
  %1 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world/0:1", group_size = 1 : i64, reduce = "sum"} : (tensor<8xf32>) -> tensor<8xf32>
  %2 = kiln.all_reduce %y {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<8xf64>) -> tensor<8xf64>
  %3 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<8xf32>) -> tensor<8xf32>
  kiln.print %x {label = "between"} : tensor<8xf32>
  %4 = kiln.all_reduce %x {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<8xf32>) -> tensor<8xf32>
  %5 = kiln.all_reduce %4 {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<8xf32>) -> tensor<8xf32>
  %6 = kiln.all_reduce %d {bucket_bytes = 1024 : i64, group = "world", group_size = 2 : i64, reduce = "sum"} : (tensor<?xf32>) -> tensor<?xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<8xf32>, tensor<8xf32>, tensor<8xf64>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?xf32>
}
