// Elementwise loops over outputs far larger than the last-level cache write with
// non-temporal (streaming) stores: a plain store first reads the destination line into
// cache (read-for-ownership), so such a loop moves a third more memory than it needs.
// Outputs that fit in cache keep plain stores: the next op wants them there. So do
// compute-heavy maps (transcendentals): computing a block and then streaming it out
// serializes their arithmetic with the memory traffic, which measured slower (tanh of 16M:
// 14 GB/s streamed, 16-18 GB/s with plain stores).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace kiln::kernels {

/// Outputs at least this large (bytes) stream; the L3 here is 32 MiB.
inline constexpr size_t kStreamingBytes = size_t{32} << 20;

/// Copies `bytes` (a multiple of 32) from a 32-byte aligned buffer to a 32-byte aligned
/// destination with streaming stores.
inline void stream_copy(void* dst, const void* src, size_t bytes) {
#if defined(__AVX__)
  auto* d = static_cast<__m256i*>(dst);
  const auto* s = static_cast<const __m256i*>(src);
  for (size_t i = 0; i < bytes / 32; ++i) _mm256_stream_si256(d + i, _mm256_load_si256(s + i));
#else
  std::memcpy(dst, src, bytes);
#endif
}

inline void stream_fence() {
#if defined(__AVX__)
  _mm_sfence();
#endif
}

/// out[i] = f(i) for i in [b, e): computed a block at a time into a cache-resident buffer
/// (where the loop vectorizes), then streamed out.
template <class T, class F>
void stream_map(T* out, int64_t b, int64_t e, F&& f) {
  constexpr int64_t kBlock = 1024;
  int64_t i = b;
  for (; i < e && (reinterpret_cast<uintptr_t>(out + i) & 31) != 0; ++i) out[i] = f(i);
  alignas(64) T buffer[kBlock];
  for (; i + kBlock <= e; i += kBlock) {
    for (int64_t j = 0; j < kBlock; ++j) buffer[j] = f(i + j);
    stream_copy(out + i, buffer, sizeof buffer);
  }
  for (; i < e; ++i) out[i] = f(i);
  stream_fence();
}

}  // namespace kiln::kernels
