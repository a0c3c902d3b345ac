#include "kernels/cpu/random.h"

#include <array>
#include <cmath>
#include <string>
#include <type_traits>

#include "kernels/cpu/vec_math.h"
#include "kiln/error.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::kernels::cpu {
namespace {

__extension__ typedef unsigned __int128 uint128;  // GCC and Clang: the 64 x 64 -> 128 product

using Block = std::array<uint32_t, 4>;

/// Block `index` of the stream `key`: the counter is (index, key.counter).
inline Block philox(uint64_t index, RandomKey key) {
  uint32_t c0 = static_cast<uint32_t>(index), c1 = static_cast<uint32_t>(index >> 32);
  uint32_t c2 = static_cast<uint32_t>(key.counter), c3 = static_cast<uint32_t>(key.counter >> 32);
  uint32_t k0 = static_cast<uint32_t>(key.seed), k1 = static_cast<uint32_t>(key.seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t{0xD2511F53} * c0;
    uint64_t p1 = uint64_t{0xCD9E8D57} * c2;
    uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {c0, c1, c2, c3};
}

constexpr float kTwo24 = 1.0f / 16777216.0f;
constexpr double kTwo53 = 1.0 / 9007199254740992.0;

inline double unit53(uint32_t hi, uint32_t lo) {
  return static_cast<double>((uint64_t{hi} << 21) | (lo >> 11)) * kTwo53;
}

}  // namespace

void random_uniform(const Tensor& out, RandomKey seed, double lo, double hi) {
  dispatch_floating(out.dtype(), [&]<class T>() {
    T* o = detail::mutable_data<T>(out);
    const T l = static_cast<T>(lo), w = static_cast<T>(hi - lo);
    runtime::parallel_for(out.numel(), 8 * 1024, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        Block r = philox(static_cast<uint64_t>(i), seed);
        T u;
        if constexpr (std::is_same_v<T, float>) u = static_cast<float>(r[0] >> 8) * kTwo24;
        else u = unit53(r[0], r[1]);
        o[i] = l + w * u;
      }
    });
  });
}

void random_normal(const Tensor& out, RandomKey seed, double mean, double stddev) {
  dispatch_floating(out.dtype(), [&]<class T>() {
    T* o = detail::mutable_data<T>(out);
    const T m = static_cast<T>(mean), s = static_cast<T>(stddev);
    runtime::parallel_for(out.numel(), 8 * 1024, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        Block r = philox(static_cast<uint64_t>(i), seed);
        // Box-Muller; u1 in (0, 1] so the log is finite.
        if constexpr (std::is_same_v<T, float>) {
          float u1 = static_cast<float>((r[0] >> 8) + 1) * kTwo24;
          float u2 = static_cast<float>(r[1] >> 8) * kTwo24;
          float radius = std::sqrt(-2.0f * vecmath::log(u1));
          o[i] = m + s * radius * vecmath::cos_reduced(6.28318530717958648f * u2);
        } else {
          double u1 = unit53(r[0], r[1]) + kTwo53;
          double u2 = unit53(r[2], r[3]);
          o[i] = m + s * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.28318530717958648 * u2);
        }
      }
    });
  });
}

void random_int(const Tensor& out, RandomKey key, int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);  // mod 2^64
  dispatch_dtype(out.dtype(), [&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, uint8_t>) {
      T* o = detail::mutable_data<T>(out);
      runtime::parallel_for(out.numel(), 8 * 1024, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          Block r = philox(static_cast<uint64_t>(i), key);
          const uint64_t word = (uint64_t{r[0]} << 32) | r[1];
          const auto offset =
              static_cast<uint64_t>((static_cast<uint128>(word) * range) >> 64);
          o[i] = static_cast<T>(static_cast<uint64_t>(lo) + offset);  // < hi: fits T
        }
      });
    } else {
      throw Error("random_int: dtype must be i32 or i64, got " +
                  std::string(dtype_name(out.dtype())));
    }
  });
}

}  // namespace kiln::kernels::cpu
