// The list of kiln ops, one line each: the single place an op is named. What must exist
// once per op is checked against it: a gradient rule (compiler/autodiff/gradients.h) and a graph-mode
// kernel binder (compiler/pipeline/kernel_binding.h) per op are link errors when missing, the ODS
// op a compile error (compiler/ops/op_list_check.cpp); test/test_op_list.cpp walks it for the
// rest. Adding an op: CONTRIBUTING.md.
//
// X(name, family)
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

// The unary elementwise ops: each also has a definition, UnaryOpDef<OpId::name>
// (runtime/unary_ops.h), that its kernels, JIT lowering and gradient are made from.
#define KILN_UNARY_OP_LIST(X)                                                   \
  X(negative, unary) X(abs, unary) X(square, unary) X(relu, unary) X(exp, unary) \
  X(log, unary) X(log1p, unary) X(softplus, unary)                              \
  X(sqrt, unary) X(rsqrt, unary) X(tanh, unary) X(sigmoid, unary)               \
  X(gelu, unary) X(sin, unary) X(cos, unary) X(erf, unary)                      \
  X(logical_not, logical)

// The binary elementwise ops (NumPy broadcasting): each also has a definition,
// BinaryOpDef<OpId::name> (runtime/binary_ops.h), made into kernels, lowering and gradient
// alike. Comparisons and logical ops give booleans.
#define KILN_BINARY_OP_LIST(X)                                                  \
  X(add, binary) X(subtract, binary) X(multiply, binary) X(divide, binary)      \
  X(pow, binary) X(maximum, binary) X(minimum, binary)                          \
  X(equal, compare) X(not_equal, compare) X(less, compare)                      \
  X(less_equal, compare) X(greater, compare) X(greater_equal, compare)          \
  X(logical_and, logical) X(logical_or, logical)

#define KILN_OP_LIST(X)                                                         \
  /* factories */                                                               \
  X(zeros, factory) X(ones, factory) X(full, factory) X(arange, factory)        \
  X(eye, factory) X(random_uniform, random) X(random_normal, random)            \
  X(random_int, random)                                                         \
  /* elementwise */                                                             \
  KILN_BINARY_OP_LIST(X)                                                        \
  KILN_UNARY_OP_LIST(X)                                                         \
  X(where, select) X(cast, cast)                                                \
  /* reductions */                                                              \
  X(sum, reduce) X(mean, reduce) X(max, reduce) X(min, reduce)                  \
  X(argmax, reduce) X(argmin, reduce)                                           \
  /* scans */                                                                   \
  X(cumsum, scan)                                                               \
  /* shape */                                                                   \
  X(reshape, shape) X(transpose, shape) X(broadcast_to, shape)                  \
  X(expand_dims, shape) X(squeeze, shape) X(slice, shape) X(concat, shape)      \
  X(gather, shape) X(one_hot, shape) X(index_update, shape)                     \
  /* sizes at run time: dynamic dimensions */                                   \
  X(shape, size) X(dynamic_reshape, size) X(sum_to, size)                       \
  /* linear algebra */                                                          \
  X(matmul, linalg)                                                             \
  /* composites */                                                              \
  X(softmax, composite) X(log_softmax, composite) X(layer_norm, composite)      \
  X(softmax_cross_entropy, composite)                                           \
  /* side effects */                                                            \
  X(print, effect)                                                              \
  /* collectives between processes (kiln/distributed.h): ordered effects */    \
  X(all_reduce, collective) X(all_gather, collective)                           \
  X(collective_broadcast, collective)

namespace kiln {

enum class OpId {
#define KILN_OP_ENUM(name, family) name,
  KILN_OP_LIST(KILN_OP_ENUM)
#undef KILN_OP_ENUM
};

struct OpInfo {
  const char* name;
  const char* family;
};

/// Every op, in list order.
inline constexpr OpInfo kOps[] = {
#define KILN_OP_INFO(name, family) {#name, #family},
    KILN_OP_LIST(KILN_OP_INFO)
#undef KILN_OP_INFO
};

/// The op named `name` ("add"), if it is one.
constexpr std::optional<OpId> find_op(std::string_view name) {
  for (size_t i = 0; i < std::size(kOps); ++i)
    if (name == kOps[i].name) return static_cast<OpId>(i);
  return std::nullopt;
}

}  // namespace kiln
