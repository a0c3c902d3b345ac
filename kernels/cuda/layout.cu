// Kernels that move elements without arithmetic (permute, broadcast, slice, concat
// through one strided copy; gather; one_hot), instantiated by element size so one kernel
// serves every dtype of that size, as the CPU layout kernels do.
#include <cstdint>

#include "kernels/cuda/device_common.cuh"

namespace kiln::kernels::cuda {
namespace {

template <int kBytes>
struct Element;
template <>
struct Element<1> {
  using type = uint8_t;
};
template <>
struct Element<4> {
  using type = uint32_t;
};
template <>
struct Element<8> {
  using type = uint64_t;
};

template <int kBytes>
__device__ void copy(Indexing ix, int64_t n, void* out, const void* in) {
  using E = typename Element<kBytes>::type;
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t off[2];
    element_offsets(ix, i, off);
    static_cast<E*>(out)[off[0]] = static_cast<const E*>(in)[off[1]];
  }
}

/// out (outer, count, inner) = x (outer, dim, inner) at indices[count] along the middle
/// axis; the host has checked every index against dim.
template <int kBytes>
__device__ void gather(RowGeometry g, int64_t count, void* out, const void* x,
                       const int64_t* indices) {
  using E = typename Element<kBytes>::type;
  const int64_t n = g.outer * count * g.inner;
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    const int64_t j = i % g.inner, rest = i / g.inner, k = rest % count, o = rest / count;
    static_cast<E*>(out)[i] = static_cast<const E*>(x)[(o * g.reduced + indices[k]) * g.inner + j];
  }
}

/// out (n, depth): 1 where the column is the row's index, else 0 (an index outside
/// [0, depth) gives a row of zeros, as on the CPU).
template <class T>
__device__ void one_hot(int64_t n, int64_t depth, T* out, const int64_t* indices) {
  for (int64_t i = first_index(); i < n * depth; i += grid_stride())
    out[i] = indices[i / depth] == i % depth ? T(1) : T(0);
}

}  // namespace
}  // namespace kiln::kernels::cuda

using namespace kiln::kernels::cuda;

#define KILN_LAYOUT(bytes)                                                                \
  extern "C" __global__ void kiln_copy_##bytes(Indexing ix, int64_t n, void* out,         \
                                               const void* in) {                          \
    copy<bytes>(ix, n, out, in);                                                          \
  }                                                                                       \
  extern "C" __global__ void kiln_gather_##bytes(RowGeometry g, int64_t count, void* out, \
                                                 const void* x, const int64_t* indices) { \
    gather<bytes>(g, count, out, x, indices);                                             \
  }
KILN_LAYOUT(1)
KILN_LAYOUT(4)
KILN_LAYOUT(8)

#define KILN_ONE_HOT(suffix, T)                                                      \
  extern "C" __global__ void kiln_one_hot_##suffix(int64_t n, int64_t depth, T* out, \
                                                   const int64_t* indices) {         \
    one_hot<T>(n, depth, out, indices);                                              \
  }
KILN_CUDA_DTYPES(KILN_ONE_HOT)
