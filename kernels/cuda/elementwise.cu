// Eager elementwise kernels for CUDA tensors: unary maps, binary ops with broadcasting,
// where, cast. The op is a kernel argument (one branch per element, the same for every
// thread, so it costs no divergence), the dtype a template instantiated per exported
// name. The values are the ops' definitions (runtime/unary_ops.h, runtime/binary_ops.h), as
// in the CPU kernels; booleans are bytes holding 0 or 1.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/cuda/device_common.cuh"
#include "kernels/cuda/op_codes.h"
#include "runtime/binary_ops.h"
#include "runtime/unary_ops.h"

namespace kiln::kernels::cuda {
namespace {

/// One unary op's value: its definition's device form (runtime/unary_ops.h), for the
/// dtypes its rule accepts (the host refuses the others before launching).
template <class T>
__device__ T unary_value(int op, T v) {
  switch (op) {
#define KILN_UNARY_CASE(name, family)                                  \
  case kUnary_##name:                                                  \
    if constexpr (takes_elements<UnaryOpDef<OpId::name>::kind, T>) \
      return UnaryOpDef<OpId::name>::device(v);                        \
    break;
    KILN_UNARY_OP_LIST(KILN_UNARY_CASE)
#undef KILN_UNARY_CASE
  }
  return v;  // unreachable: never a wrong op (the host refuses before launching)
}

/// One binary op's value, stored at out[o]: its definition (runtime/binary_ops.h), for the
/// dtypes its rule accepts (the host refuses the others before launching); booleans as
/// bytes.
template <OpId op, class T>
__device__ void store_binary(void* out, int64_t o, T x, T y) {
  using Def = BinaryOpDef<op>;
  if constexpr (takes_elements<Def::kind, T>) {
    using R = result_element<Def::kind, T>;
    static_cast<R*>(out)[o] = static_cast<R>(Def::eval(x, y));
  }
}

template <class T>
__device__ void unary(int op, Indexing ix, int64_t n, T* out, const T* x) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t off[2];
    element_offsets(ix, i, off);
    out[off[0]] = unary_value<T>(op, x[off[1]]);
  }
}

template <class T>
__device__ void binary(int op, Indexing ix, int64_t n, void* out, const T* a, const T* b) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t off[3];
    element_offsets(ix, i, off);
    switch (op) {
#define KILN_BINARY_CASE(name, family)                                     \
  case kBinary_##name:                                                     \
    store_binary<OpId::name, T>(out, off[0], a[off[1]], b[off[2]]);        \
    break;
      KILN_BINARY_OP_LIST(KILN_BINARY_CASE)
#undef KILN_BINARY_CASE
    }
  }
}

template <class T>
__device__ void where(Indexing ix, int64_t n, T* out, const uint8_t* cond, const T* a, const T* b) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t off[4];
    element_offsets(ix, i, off);
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
}

template <class From, class To>
__device__ void cast(int64_t n, To* out, const From* x) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    if constexpr (std::is_same_v<To, uint8_t>)
      out[i] = x[i] != From(0);
    else
      out[i] = static_cast<To>(x[i]);
  }
}

}  // namespace
}  // namespace kiln::kernels::cuda

using namespace kiln::kernels::cuda;

#define KILN_ELEMENTWISE(suffix, T)                                                             \
  extern "C" __global__ void kiln_unary_##suffix(int op, Indexing ix, int64_t n, T* out,        \
                                                 const T* x) {                                  \
    unary<T>(op, ix, n, out, x);                                                                \
  }                                                                                             \
  extern "C" __global__ void kiln_binary_##suffix(int op, Indexing ix, int64_t n, void* out,    \
                                                  const T* a, const T* b) {                     \
    binary<T>(op, ix, n, out, a, b);                                                            \
  }                                                                                             \
  extern "C" __global__ void kiln_where_##suffix(Indexing ix, int64_t n, T* out,                \
                                                 const uint8_t* cond, const T* a, const T* b) { \
    where<T>(ix, n, out, cond, a, b);                                                           \
  }
KILN_CUDA_DTYPES(KILN_ELEMENTWISE)

#define KILN_CAST_TO(to_suffix, To, from_suffix, From)                                 \
  extern "C" __global__ void kiln_cast_##from_suffix##_##to_suffix(int64_t n, To* out, \
                                                                   const From* x) {    \
    cast<From, To>(n, out, x);                                                         \
  }
#define KILN_CAST_FROM(from_suffix, From)                                                     \
  KILN_CAST_TO(f32, float, from_suffix, From)                                                 \
  KILN_CAST_TO(f64, double, from_suffix, From)                                                \
  KILN_CAST_TO(i32, int32_t, from_suffix, From) KILN_CAST_TO(i64, int64_t, from_suffix, From) \
      KILN_CAST_TO(b8, uint8_t, from_suffix, From)
KILN_CUDA_DTYPES(KILN_CAST_FROM)
